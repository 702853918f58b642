/**
 * Native Sparse Attention: the {@code nsa} attention plugin, its spec-reading reference op and
 * the {@code attention.nsa} golden op. Internal: the bundle offers NSA only as services.
 */
package org.sparsa.nsa.internal;
