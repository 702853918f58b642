/** Boots the Sparsa distribution: an embedded Apache Felix framework and the command line. */
package org.sparsa.launcher;
