/**
 * Tokenizers: the byte-level {@link ByteTokenizer} (UTF-8 bytes, nothing to learn) and the
 * code-point {@link CharTokenizer} built from a corpus, both saved as JSON and loaded back
 * through {@link Tokenizers}. Encoding adds no special tokens; callers add {@code bos}/{@code eos}
 * where their format wants them. Decoding never throws: ids it cannot read become U+FFFD.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.tokenizer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
