package org.sparsa.grpo.internal;

import static org.sparsa.grpo.internal.ObjectiveKeys.*;

import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.policy.PolicyObjective;

/**
 * {@code v32}: GRPO as DeepSeek-V3.2 scales it. The published defaults are {@link Preset#V32}'s.
 */
@Component(service = PolicyObjective.class)
@PluginInfo(kind = PluginKind.POLICY, id = "v32",
        description = "DeepSeek-V3.2 GRPO: mean-centred advantages, unbiased k3 KL (beta "
                + "0.01), off-policy sequence mask (delta 0.05)",
        config = {
            ADVANTAGE + ":string=group_mean" + ADVANTAGE_DOC,
            ADV_EPS + ":double=0.0" + ADV_EPS_DOC,
            RATIO_LEVEL + ":string=token" + RATIO_LEVEL_DOC,
            CLIP_LOW + ":double=0.2" + CLIP_LOW_DOC,
            CLIP_HIGH + ":double=0.2" + CLIP_HIGH_DOC,
            AGGREGATION + ":string=seq_mean_token_mean" + AGGREGATION_DOC,
            NORM_LENGTH + ":int" + NORM_LENGTH_DOC,
            KL + ":string=k3_unbiased" + KL_DOC,
            BETA + ":double=0.01" + BETA_DOC,
            OFFPOLICY_MASK + ":boolean=true" + OFFPOLICY_MASK_DOC,
            OFFPOLICY_DELTA + ":double=0.05" + OFFPOLICY_DELTA_DOC})
public final class V32Objective extends PresetObjective {

    /** The objective starting from the {@code v32} preset. */
    public V32Objective() {
        super(Preset.V32);
    }
}
