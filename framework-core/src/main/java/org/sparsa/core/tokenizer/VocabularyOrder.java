package org.sparsa.core.tokenizer;

/** How {@link CharTokenizer#fromCorpus} numbers the characters it finds. */
public enum VocabularyOrder {
    /** In the order each character first appears in the corpus. */
    FIRST_SEEN,
    /** By code point, so the ids do not depend on the corpus's order, only on its characters. */
    SORTED
}
