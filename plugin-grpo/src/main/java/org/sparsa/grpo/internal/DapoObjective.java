package org.sparsa.grpo.internal;

import static org.sparsa.grpo.internal.ObjectiveKeys.*;

import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.policy.PolicyObjective;

/**
 * {@code dapo}: DAPO's clip-higher and token-level loss. The published defaults are {@link
 * Preset#DAPO}'s.
 */
@Component(service = PolicyObjective.class)
@PluginInfo(kind = PluginKind.POLICY, id = "dapo",
        description = "DAPO: group-normalised advantages, clip-higher (0.2 / 0.28), token "
                + "mean over the batch, no KL",
        config = {
            ADVANTAGE + ":string=group_std" + ADVANTAGE_DOC,
            ADV_EPS + ":double=0.0001" + ADV_EPS_DOC,
            RATIO_LEVEL + ":string=token" + RATIO_LEVEL_DOC,
            CLIP_LOW + ":double=0.2" + CLIP_LOW_DOC,
            CLIP_HIGH + ":double=0.28" + CLIP_HIGH_DOC,
            AGGREGATION + ":string=token_mean" + AGGREGATION_DOC,
            NORM_LENGTH + ":int" + NORM_LENGTH_DOC,
            KL + ":string=none" + KL_DOC,
            BETA + ":double=0.0" + BETA_DOC,
            OFFPOLICY_MASK + ":boolean=false" + OFFPOLICY_MASK_DOC,
            OFFPOLICY_DELTA + ":double=0.05" + OFFPOLICY_DELTA_DOC})
public final class DapoObjective extends PresetObjective {

    /** The objective starting from the {@code dapo} preset. */
    public DapoObjective() {
        super(Preset.DAPO);
    }
}
