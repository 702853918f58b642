/**
 * DeepSeek Sparse Attention: the {@code dsa} attention plugin, its spec-reading reference op and
 * the {@code attention.dsa}, {@code dsa.kl_dense} and {@code dsa.kl_sparse} golden ops.
 * Internal: the bundle offers DSA only as services.
 */
package org.sparsa.dsa.internal;
