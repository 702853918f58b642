package org.sparsa.dsa.internal;

import org.osgi.service.component.annotations.Component;
import org.sparsa.core.verify.GoldenOp;

/** {@code dsa.kl_dense}: the dense warm-up loss of the indexer (spec step 3). */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=dsa.kl_dense")
public final class DsaKlDenseGoldenOp extends DsaKlGoldenOp {

    /** The op over every visible key. */
    public DsaKlDenseGoldenOp() {
        super("dsa.kl_dense", false);
    }
}
