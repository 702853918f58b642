package org.sparsa.grpo.internal;

import static org.sparsa.grpo.internal.ObjectiveKeys.*;

import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.policy.PolicyObjective;

/**
 * {@code grpo}: GRPO as DeepSeekMath and R1 train with it. The published defaults are {@link
 * Preset#GRPO}'s.
 */
@Component(service = PolicyObjective.class)
@PluginInfo(kind = PluginKind.POLICY, id = "grpo",
        description = "GRPO (DeepSeekMath, R1): group-normalised advantages, token ratio "
                + "clipped at 0.2, per-sequence token mean, k3 KL with beta 0.04",
        config = {
            ADVANTAGE + ":string=group_std" + ADVANTAGE_DOC,
            ADV_EPS + ":double=0.0001" + ADV_EPS_DOC,
            RATIO_LEVEL + ":string=token" + RATIO_LEVEL_DOC,
            CLIP_LOW + ":double=0.2" + CLIP_LOW_DOC,
            CLIP_HIGH + ":double=0.2" + CLIP_HIGH_DOC,
            AGGREGATION + ":string=seq_mean_token_mean" + AGGREGATION_DOC,
            NORM_LENGTH + ":int" + NORM_LENGTH_DOC,
            KL + ":string=k3" + KL_DOC,
            BETA + ":double=0.04" + BETA_DOC,
            OFFPOLICY_MASK + ":boolean=false" + OFFPOLICY_MASK_DOC,
            OFFPOLICY_DELTA + ":double=0.05" + OFFPOLICY_DELTA_DOC})
public final class GrpoObjective extends PresetObjective {

    /** The objective starting from the {@code grpo} preset. */
    public GrpoObjective() {
        super(Preset.GRPO);
    }
}
