package io.github.retina4j.data.reader;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A machine that has never run the project: {@link FirstRunScenario} in a new JVM with an empty JavaCPP
 * cache folder, so ND4J initialisation, image decoding and the iterator's failure path each extract their
 * native libraries for the first time. In a JVM with a warm cache the same steps cannot show a native load
 * that a closing iterator interrupts; this test does not depend on the state of the machine's cache.
 */
class FirstRunTest {
    private static final long TIMEOUT_SECONDS = 300;

    @TempDir
    Path tmp;

    @Test
    void nativeLoadingSurvivesTheIteratorsFailurePathWithAnEmptyJavacppCache() throws IOException, InterruptedException {
        ShapesLtFiles files = new ShapesLtGenerator(ShapesLtConfig.builder().seed(5).numClasses(3).trainImages(6)
                .valImages(0).imageSize(48, 64).objectSize(10, 24).longTail(6, 1).build()).writeTo(tmp.resolve("shapes"));
        CocoDataset train = CocoJsonReader.strict().read(files.trainCoco());
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        List<ImageInfo> ims = train.images();
        for (int i = 1; i < ims.size(); i++) { // image 0 missing
            Path dst = broken.resolve(ims.get(i).fileName());
            if (i == 2) {
                Files.writeString(dst, "this is not an image");
            } else {
                Files.copy(files.trainImages().resolve(ims.get(i).fileName()), dst);
            }
        }
        Path cache = Files.createDirectories(tmp.resolve("javacpp-cache"));
        Path log = tmp.resolve("scenario.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.cachedir=" + cache,
                "-cp", System.getProperty("java.class.path"), FirstRunScenario.class.getName(),
                files.trainCoco().toString(), broken.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished, "first-run scenario still running after " + TIMEOUT_SECONDS + " s:\n" + out);
        assertEquals(0, p.exitValue(), "first-run scenario failed:\n" + out);
        assertTrue(out.contains(FirstRunScenario.PASSED), out);

        // The scenario really started from the empty folder: the libraries it needed were extracted there.
        List<String> extracted;
        try (Stream<Path> s = Files.walk(cache)) {
            extracted = s.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).toList();
        }
        for (String lib : List.of("nd4jcpu", "opencv_imgcodecs", "lept")) {
            assertTrue(extracted.stream().anyMatch(n -> n.contains(lib)),
                    "no " + lib + " library extracted into the scenario's JavaCPP cache; found " + extracted);
        }
    }
}
