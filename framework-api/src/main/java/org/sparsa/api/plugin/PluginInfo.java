package org.sparsa.api.plugin;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Describes a plugin component; Declarative Services turns it into the
 * {@link PluginProperties} service properties. Put it beside {@code @Component}:
 *
 * <pre>{@code
 * @Component(service = RewardModel.class)
 * @PluginInfo(kind = PluginKind.REWARD, id = "accuracy",
 *         description = "1 when the last \\boxed{} answer equals the reference",
 *         config = {})
 * public final class AccuracyReward implements RewardModel { ... }
 * }</pre>
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface PluginInfo {
    /** Maps the elements below to {@code sparsa.plugin.*} property names. */
    String PREFIX_ = "sparsa.plugin.";

    /** The plugin kind. */
    PluginKind kind();

    /** The id recipes use, unique within the kind. */
    String id();

    /** One sentence saying what the plugin does. */
    String description();

    /** Accepted configuration keys in {@link ConfigKey#format()} form. */
    String[] config() default {};
}
