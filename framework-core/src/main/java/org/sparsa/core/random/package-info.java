/**
 * Seeded random streams whose whole state is one number, so a checkpoint can store every stream
 * of a run and a resumed run draws exactly the values the uninterrupted one would have.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.random;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
