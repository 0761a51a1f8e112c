package io.github.retina4j.coco;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Round trips read → write → read (identical models) on the shared real-format files
 * ({@code peer/*}: faster_coco_eval test data, Apache-2.0; COCO/LVIS annotations CC BY 4.0) and on
 * our own reference fixtures, plus format checks of what is written.
 */
class CocoJsonWriterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"peer/instances_val2014_100.json", "peer/lvis_val_100.json", "coco_eval/gt.json",
            "lvis_eval/gt.json"})
    void roundTripGivesIdenticalModel(String name) throws IOException {
        CocoDataset first = CocoJsonReader.strict().read(ReferenceData.file(name));
        Path out = tmp.resolve("out.json");
        CocoJsonWriter.write(first, out);
        CocoDataset second = CocoJsonReader.strict().read(out);
        assertEquals(first, second);
        assertEquals(first.hashCode(), second.hashCode());
        // writing again is byte-identical (deterministic output)
        Path out2 = tmp.resolve("out2.json");
        CocoJsonWriter.write(second, out2);
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(out2));
        // the written file has the same JSON content field by field as the original for the fields we model
        JsonNode orig = MAPPER.readTree(ReferenceData.file(name).toFile());
        JsonNode ours = MAPPER.readTree(out.toFile());
        for (String array : List.of("images", "annotations", "categories")) {
            assertEquals(orig.get(array).size(), ours.get(array).size());
        }
        for (int i = 0; i < orig.get("annotations").size(); i++) {
            JsonNode a = orig.get("annotations").get(i);
            JsonNode b = ours.get("annotations").get(i);
            assertEquals(a.get("segmentation"), b.get("segmentation"));
            for (int k = 0; k < 4; k++) {
                assertEquals(a.get("bbox").get(k).asDouble(), b.get("bbox").get(k).asDouble());
            }
        }
        for (int i = 0; i < orig.get("images").size(); i++) {
            JsonNode a = orig.get("images").get(i);
            JsonNode b = ours.get("images").get(i);
            for (String f : List.of("id", "file_name", "width", "height", "coco_url", "neg_category_ids",
                    "not_exhaustive_category_ids")) {
                assertEquals(a.get(f), b.get(f), f);
            }
        }
        for (int i = 0; i < orig.get("categories").size(); i++) {
            JsonNode a = orig.get("categories").get(i);
            JsonNode b = ours.get("categories").get(i);
            for (String f : List.of("id", "name", "supercategory", "frequency", "image_count", "instance_count",
                    "synset", "synonyms", "def")) {
                assertEquals(a.get(f), b.get(f), f);
            }
        }
        if (orig.has("info")) {
            assertEquals(orig.get("info"), ours.get("info"));
        }
    }

    @Test
    void builtDatasetRoundTripsAndCocoFilesStayCoco() throws IOException {
        CocoDataset d = new CocoDataset(
                List.of(ImageInfo.coco(5, "x.png", 64, 48)),
                List.of(Annotation.box(1, 5, 3, 1.5, 2, 10, 20.25, false), Annotation.box(2, 5, 3, 0, 0, 64, 48, true)),
                List.of(Category.coco(3, "circle", "shape")));
        Path out = tmp.resolve("coco.json");
        CocoJsonWriter.write(d, out);
        assertEquals(d, CocoJsonReader.strict().read(out));
        JsonNode root = MAPPER.readTree(out.toFile());
        assertFalse(root.get("images").get(0).has("neg_category_ids"));
        assertFalse(root.get("categories").get(0).has("frequency"));
        assertEquals("[1.5,2,10,20.25]", root.get("annotations").get(0).get("bbox").toString());
        assertEquals(1, root.get("annotations").get(1).get("iscrowd").asInt());
    }
}
