package org.sparsa.grpo.internal;

import static org.sparsa.grpo.internal.ObjectiveKeys.*;

import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.policy.PolicyObjective;

/**
 * {@code gspo}: GSPO's sequence-level importance ratio. The published defaults are {@link
 * Preset#GSPO}'s.
 */
@Component(service = PolicyObjective.class)
@PluginInfo(kind = PluginKind.POLICY, id = "gspo",
        description = "GSPO: one geometric-mean ratio per completion clipped at 3e-4 / 4e-4, "
                + "averaged over completions, no KL",
        config = {
            ADVANTAGE + ":string=group_std" + ADVANTAGE_DOC,
            ADV_EPS + ":double=0.0001" + ADV_EPS_DOC,
            RATIO_LEVEL + ":string=sequence" + RATIO_LEVEL_DOC,
            CLIP_LOW + ":double=0.0003" + CLIP_LOW_DOC,
            CLIP_HIGH + ":double=0.0004" + CLIP_HIGH_DOC,
            AGGREGATION + ":string=seq_mean_token_mean" + AGGREGATION_DOC,
            NORM_LENGTH + ":int" + NORM_LENGTH_DOC,
            KL + ":string=none" + KL_DOC,
            BETA + ":double=0.0" + BETA_DOC,
            OFFPOLICY_MASK + ":boolean=false" + OFFPOLICY_MASK_DOC,
            OFFPOLICY_DELTA + ":double=0.05" + OFFPOLICY_DELTA_DOC})
public final class GspoObjective extends PresetObjective {

    /** The objective starting from the {@code gspo} preset. */
    public GspoObjective() {
        super(Preset.GSPO);
    }
}
