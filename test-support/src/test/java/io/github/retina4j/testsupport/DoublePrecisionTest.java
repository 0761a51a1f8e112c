package io.github.retina4j.testsupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The extension sets DOUBLE inside an annotated class or method and restores the previous defaults after. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DoublePrecisionTest {

    @BeforeAll
    static void floatDefaults() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    @AfterAll
    static void stillFloatAfterTheNestedClass() {
        assertEquals(DataType.FLOAT, Nd4j.dataType());
    }

    @Test
    @Order(1)
    @DoublePrecision
    void annotatedMethodRunsInDouble() {
        assertEquals(DataType.DOUBLE, Nd4j.dataType());
        assertEquals(DataType.DOUBLE, Nd4j.defaultFloatingPointType());
        assertEquals(DataType.DOUBLE, Nd4j.create(2).dataType());
        Nd4j.setDefaultDataTypes(DataType.HALF, DataType.HALF);
    }

    @Test
    @Order(2)
    void previousDefaultsAreBackAfterIt() {
        assertEquals(DataType.FLOAT, Nd4j.dataType());
        assertEquals(DataType.FLOAT, Nd4j.defaultFloatingPointType());
    }

    @Nested
    @DoublePrecision
    class AnnotatedClass {

        @Test
        void everyTestRunsInDoubleEvenAfterAnotherChangedIt() {
            assertEquals(DataType.DOUBLE, Nd4j.dataType());
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }

        @Test
        void secondTest() {
            assertEquals(DataType.DOUBLE, Nd4j.dataType());
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }
}
