package io.github.retina4j.train.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.stats.CategoryStatistics;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.train.DetectorSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExperimentConfigTest {

    private static final String MINIMAL = """
            {"dataset": {"shapes_lt": {"num_classes": 12, "train_images": 100, "tail_images": 2}},
             "methods": ["focal", "efl"], "seeds": [1, 2], "iterations": 40}
            """;

    @Test
    void defaultsAndShapesLtParametersOverTheGeneratorDefaults() {
        ExperimentConfig c = ExperimentConfig.parse(MINIMAL, "m.json");
        assertEquals(ExperimentConfig.DEFAULT_BATCH_SIZE, c.batchSize());
        assertEquals(ExperimentConfig.DEFAULT_IMAGE_SIZE, c.imageSize());
        assertEquals("small", c.backbone());
        assertEquals(10, c.checkpointEvery());
        assertEquals("focal", c.evaluation().baseline());
        assertEquals(List.of(), c.evaluation().pairs());
        ShapesLtConfig d = ShapesLtConfig.defaults();
        ShapesLtConfig s = c.dataset().shapesLt().toConfig();
        assertEquals(12, s.numClasses());
        assertEquals(100, s.trainImages());
        assertEquals(2, s.tailImages());
        assertEquals(Math.min(ShapesLtConfig.DEFAULT_HEAD_IMAGES, 100), s.headImages());
        assertEquals(d.seed(), s.seed());
        assertEquals(d.minImageSize(), s.minImageSize());
        assertEquals(d.maxObjectSize(), s.maxObjectSize());
        assertEquals(d.notExhaustiveRate(), s.notExhaustiveRate());
        // with nothing set, the generator's own defaults
        assertEquals(d, new ExperimentConfig.ShapesLtParams(null, null, null, null, null, null, null, null, null, null, null,
                null, null).toConfig());
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2, \"lr\": 1}",
                        "unknown key 'lr'"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {\"clases\": 3}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2}",
                        "unknown key 'clases' in dataset.shapes_lt"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2, \"evaluation\": {\"base\": \"x\"}}",
                        "unknown key 'base' in evaluation"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\", \"gol2\"], \"seeds\": [1], \"iterations\": 2}",
                        "unknown method 'gol2'"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"retinanet\"], \"seeds\": [1], \"iterations\": 2, \"evaluation\": {\"baseline\": \"retinanet\"}}",
                        "'retinanet' evaluates the models of 'focal'"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\", \"focal\"], \"seeds\": [1], \"iterations\": 2}",
                        "'focal' is listed twice"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"efl\"], \"seeds\": [1], \"iterations\": 2}",
                        "evaluation.baseline 'focal' is not in 'methods'"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [], \"iterations\": 2}",
                        "'seeds' must list at least one seed"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1, 1], \"iterations\": 2}",
                        "'seeds' must be distinct"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1]}",
                        "'iterations' is required"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 0}",
                        "'iterations' must be >= 1"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {\"num_classes\": 0}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2}",
                        "dataset.shapes_lt: shapes-lt config: numClasses"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}, \"train_annotations\": \"a.json\"}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2}",
                        "needs either 'shapes_lt' or"),
                Arguments.of("{\"dataset\": {\"train_annotations\": \"a.json\"}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2}",
                        "'dataset.train_image_dir' is required"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2, \"backbone\": \"vgg\"}",
                        "'backbone' must be small"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2, \"rfs_threshold\": 2}",
                        "'rfs_threshold' must be in (0, 1]"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": \"many\"}",
                        "bad value at iterations"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"], \"seeds\": [1], \"iterations\": 2, \"evaluation\": {\"pairs\": [{\"method\": \"libra\", \"against\": \"focal\"}]}}",
                        "evaluation.pairs: 'libra' is not in 'methods'"),
                Arguments.of("{\"dataset\": {\"shapes_lt\": {}}, \"methods\": [\"focal\"]",
                        "not valid JSON")
        );
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputIsOneLineNamingTheSourceAndKey(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentConfig.parse(json, "x.json"));
        assertTrue(e.getMessage().startsWith("x.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void runSettingsLeaveOutWhatMayGrowOrDoesNotChangeResults() throws Exception {
        ExperimentConfig a = ExperimentConfig.parse(MINIMAL, "a");
        ExperimentConfig more = ExperimentConfig.parse(MINIMAL.replace("\"seeds\": [1, 2]", "\"seeds\": [1, 2, 3]")
                .replace("[\"focal\", \"efl\"]", "[\"focal\", \"efl\", \"libra\"]"), "b");
        assertEquals(a.runSettings(), more.runSettings());
        ExperimentConfig longer = ExperimentConfig.parse(MINIMAL.replace("\"iterations\": 40", "\"iterations\": 41"), "c");
        assertFalse(a.runSettings().equals(longer.runSettings()));
        assertFalse(a.runSettings().has("methods") || a.runSettings().has("seeds"));
        // equal to themselves as written to and read from experiment.json
        assertEquals(a.runSettings(), ExperimentConfig.JSON.readTree(a.runSettings().toString()));
    }

    @Test
    void everyRegisteredTrainingPlanNamesValidChoices(@TempDir Path tmp) throws Exception {
        Path ann = Files.writeString(tmp.resolve("a.json"), """
                {"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 8},
                            {"id": 2, "file_name": "b.png", "width": 8, "height": 8}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "area": 16, "iscrowd": 0},
                                 {"id": 2, "image_id": 2, "category_id": 2, "bbox": [1, 1, 4, 4], "area": 16, "iscrowd": 0}],
                 "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
                """);
        CategoryStatistics stats = CategoryStatistics.of(CocoJsonReader.strict().read(ann));
        for (Method m : Methods.all().values()) {
            if (m.trains()) {
                DetectorSetup.Choice c = m.training().choice("small");
                assertNotNull(DetectorSetup.classLoss(c.clsLoss(), 2, stats), m.name());
                if (!DetectorSetup.RECIPE_BOX_LOSS.equals(c.boxLoss())) {
                    assertNotNull(DetectorSetup.boxLoss(c.boxLoss()), m.name());
                }
                assertNotNull(m.training().recipe().apply(c.recipe()), m.name());
            } else {
                assertTrue(Methods.get(m.trainedBy()).trains(), m.name());
            }
        }
    }

    @Test
    void theRealRunsConfigurationIsValid() {
        ExperimentConfig c = ExperimentConfig.read(Path.of("..", "docs", "experiments", "shapes-lt", "config.json"));
        assertTrue(c.methods().contains("focal") && c.seeds().size() >= 3, c.toJson());
    }
}
