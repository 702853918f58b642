/**
 * The autograd engine behind {@link org.sparsa.core.autograd.Autograd}: variables, graph
 * nodes, the backward pass and one class per op family. Not exported.
 */
package org.sparsa.core.autograd.internal;
