/**
 * Conformance suites for plugin authors: abstract JUnit 5 classes that check the properties every
 * plugin of a kind must have. A plugin's test extends the suite of its kind and supplies the
 * plugin, a small configuration and what the suite cannot know (a declared range, the setting in
 * which a sparse attention equals full attention); every test of the suite then runs against it.
 * {@link org.sparsa.testkit.conformance.AttentionPluginConformance} checks attention variants,
 * {@link org.sparsa.testkit.conformance.PolicyObjectiveConformance} policy objectives and
 * {@link org.sparsa.testkit.conformance.RewardModelConformance} rewards.
 */
@Export
@Version("0.1.0")
package org.sparsa.testkit.conformance;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
