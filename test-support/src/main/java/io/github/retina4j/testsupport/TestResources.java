package io.github.retina4j.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import static org.junit.jupiter.api.Assertions.fail;

/** Fixtures kept as test resources of a module (on its test class path), for example torch-generated JSON. */
public final class TestResources {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestResources() {
    }

    /**
     * A JSON resource, resolved as {@link Class#getResourceAsStream} does: relative to {@code anchor}'s package, or
     * from the class path root when {@code name} starts with '/'. A missing resource fails the calling test.
     */
    public static JsonNode json(Class<?> anchor, String name) {
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                return fail("test resource not found: " + name + " (relative to " + anchor.getName() + ")");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test resource " + name, e);
        }
    }
}
