/**
 * Full (dense, causal) attention with grouped-query heads and an optional sliding window: a
 * float64 reference that reads like the definition ({@link FullAttentionReference}), a tiled
 * float32 Java path ({@link FlashAttention}) and an OpenCL path through Aparapi
 * ({@link OpenClFullAttention}); the fast paths are tested against the reference and each other.
 *
 * <p>Conventions: q is {@code [T, Hq, D]}, k and v are {@code [T, Hkv, D]}, all row-major;
 * query head {@code h} reads kv head {@code h / (Hq / Hkv)}; scores are scaled by
 * {@code 1 / sqrt(D)}; key {@code s} is visible to query {@code t} iff {@code s <= t} and, with a
 * window {@code w > 0}, also {@code t - w < s} ({@code w} keys, the query's own included).
 */
@Export
@Version("0.3.0")
package org.sparsa.core.attention;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
