package org.sparsa.dsa.internal;

import org.osgi.service.component.annotations.Component;
import org.sparsa.core.verify.GoldenOp;

/** {@code dsa.kl_dense}: the dense warm-up loss of the indexer (spec step 3). */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=dsa.kl_dense")
public final class DsaKlDenseGoldenOp extends DsaKlGoldenOp {

    /** The op through the fused path, as the layer runs it. */
    public DsaKlDenseGoldenOp() {
        this(DsaKlGoldenOp::fused);
    }

    /** The op through another computation of the loss, such as {@link #reference}. */
    DsaKlDenseGoldenOp(Loss loss) {
        super("dsa.kl_dense", false, loss);
    }
}
