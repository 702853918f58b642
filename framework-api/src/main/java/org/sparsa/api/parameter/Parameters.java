package org.sparsa.api.parameter;

import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.autograd.Variable;

/** A read view of the parameters the framework holds for one layer or plugin. */
@ProviderType
public interface Parameters {

    /**
     * The parameter named {@code name}.
     *
     * @throws IllegalArgumentException naming the parameter when there is none
     */
    Variable get(String name);

    /** The names held. */
    Set<String> names();
}
