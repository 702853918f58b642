package org.sparsa.dsa.internal;

import org.osgi.service.component.annotations.Component;
import org.sparsa.core.verify.GoldenOp;

/** {@code dsa.kl_sparse}: the sparse-stage loss of the indexer (spec step 4). */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=dsa.kl_sparse")
public final class DsaKlSparseGoldenOp extends DsaKlGoldenOp {

    /** The op through the fused path, as the layer runs it. */
    public DsaKlSparseGoldenOp() {
        this(DsaKlGoldenOp::fused);
    }

    /** The op through another computation of the loss, such as {@link #reference}. */
    DsaKlSparseGoldenOp(Loss loss) {
        super("dsa.kl_sparse", true, loss);
    }
}
