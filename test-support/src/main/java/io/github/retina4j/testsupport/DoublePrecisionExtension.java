package io.github.retina4j.testsupport;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sets ND4J's default data type and default floating-point type to DOUBLE before a test class (its static set-up
 * included) and before each test, and restores the values found there when that class or test is done: the saved
 * values sit in the context's store as a resource JUnit closes at the end of the context. Before each test as well,
 * because a test may change the defaults itself. Use it through {@link DoublePrecision}.
 */
public final class DoublePrecisionExtension implements BeforeAllCallback, BeforeEachCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DoublePrecisionExtension.class);

    /** The defaults to go back to. */
    private record Restore(DataType type, DataType floatingPoint) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            Nd4j.setDefaultDataTypes(type, floatingPoint);
        }
    }

    private static void enter(ExtensionContext context) {
        context.getStore(NS).put(Restore.class, new Restore(Nd4j.dataType(), Nd4j.defaultFloatingPointType()));
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        enter(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        enter(context);
    }
}
