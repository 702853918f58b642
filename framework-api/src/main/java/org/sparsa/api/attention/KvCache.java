package org.sparsa.api.attention;

import org.osgi.annotation.versioning.ConsumerType;

/** The per-sequence state a layer keeps between decode steps (keys, values, compressed blocks). */
@ConsumerType
public interface KvCache {

    /** The number of positions cached. */
    int length();

    /** Forgets every position, ready for a new sequence. */
    void reset();
}
