/**
 * Shared by the tests of every module, which depend on it with test scope: the reference-folder lookup
 * ({@link io.github.retina4j.testsupport.ReferenceData}, {@code reference/README.md}), fixture readers
 * ({@link io.github.retina4j.testsupport.Npy}, {@link io.github.retina4j.testsupport.JsonArrays},
 * {@link io.github.retina4j.testsupport.TestResources}), comparison with reference values
 * ({@link io.github.retina4j.testsupport.Close}) and double-precision ND4J defaults for a test
 * ({@link io.github.retina4j.testsupport.DoublePrecision}).
 */
package io.github.retina4j.testsupport;
