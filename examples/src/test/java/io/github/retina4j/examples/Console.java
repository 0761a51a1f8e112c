package io.github.retina4j.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs an example main with {@code System.out} captured (and echoed afterwards, for the test log). */
final class Console {

    interface Main {
        void run() throws Exception;
    }

    private Console() {
    }

    static String capture(Main main) throws Exception {
        PrintStream real = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(real);
            real.print(buffer.toString(StandardCharsets.UTF_8));
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
