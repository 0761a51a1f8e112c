package io.github.retina4j.testsupport;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated test class or method with ND4J's default data types set to DOUBLE, as gradient checks and
 * float64 reference comparisons need, and restores the previous defaults afterwards so that other tests of the
 * same JVM keep theirs ({@link DoublePrecisionExtension}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(DoublePrecisionExtension.class)
public @interface DoublePrecision {
}
