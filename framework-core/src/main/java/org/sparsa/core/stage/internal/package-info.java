/** The built-in stage kinds and the training loop, data batching and evaluation they share. */
package org.sparsa.core.stage.internal;
