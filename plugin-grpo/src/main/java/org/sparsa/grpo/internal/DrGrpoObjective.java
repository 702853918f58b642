package org.sparsa.grpo.internal;

import static org.sparsa.grpo.internal.ObjectiveKeys.*;

import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.policy.PolicyObjective;

/**
 * {@code dr_grpo}: Dr. GRPO, which removes the length and std biases of GRPO. The published
 * defaults are {@link Preset#DR_GRPO}'s.
 */
@Component(service = PolicyObjective.class)
@PluginInfo(kind = PluginKind.POLICY, id = "dr_grpo",
        description = "Dr. GRPO: mean-centred advantages without std, token ratio clipped at "
                + "0.2, a constant normaliser B * norm_length, no KL",
        config = {
            ADVANTAGE + ":string=group_mean" + ADVANTAGE_DOC,
            ADV_EPS + ":double=0.0" + ADV_EPS_DOC,
            RATIO_LEVEL + ":string=token" + RATIO_LEVEL_DOC,
            CLIP_LOW + ":double=0.2" + CLIP_LOW_DOC,
            CLIP_HIGH + ":double=0.2" + CLIP_HIGH_DOC,
            AGGREGATION + ":string=seq_mean_token_sum_norm" + AGGREGATION_DOC,
            NORM_LENGTH + ":int" + NORM_LENGTH_DOC,
            KL + ":string=none" + KL_DOC,
            BETA + ":double=0.0" + BETA_DOC,
            OFFPOLICY_MASK + ":boolean=false" + OFFPOLICY_MASK_DOC,
            OFFPOLICY_DELTA + ":double=0.05" + OFFPOLICY_DELTA_DOC})
public final class DrGrpoObjective extends PresetObjective {

    /** The objective starting from the {@code dr_grpo} preset. */
    public DrGrpoObjective() {
        super(Preset.DR_GRPO);
    }
}
