/**
 * JUnit 5 helpers for plugin authors: run golden cases through an op and check analytic
 * gradients against float64 finite differences.
 */
@Export
@Version("0.3.0")
package org.sparsa.testkit;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
