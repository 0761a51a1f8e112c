package io.github.retina4j.coco;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Reader tests: real-format files against an independent Jackson tree-model parse, LVIS fields, and
 * every bad-input case of DESIGN §9 under both policies.
 *
 * <p>{@code peer/instances_val2014_100.json} and {@code peer/lvis_val_100.json} are data files from the
 * test suite of faster_coco_eval (MiXaiLL76/faster_coco_eval, Apache-2.0; annotations CC BY 4.0 by
 * the COCO Consortium and the LVIS authors), read from the reference folder (reference/README.md).
 */
class CocoJsonReaderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"peer/instances_val2014_100.json", "peer/lvis_val_100.json", "coco_eval/gt.json",
            "lvis_eval/gt.json"})
    void matchesIndependentTreeParse(String name) throws IOException {
        Path file = ReferenceData.file(name);
        CocoDataset d = CocoJsonReader.strict().read(file);
        JsonNode root = MAPPER.readTree(file.toFile());
        JsonNode images = root.get("images");
        JsonNode anns = root.get("annotations");
        JsonNode cats = root.get("categories");
        assertEquals(images.size(), d.images().size());
        assertEquals(anns.size(), d.annotations().size());
        assertEquals(cats.size(), d.categories().size());
        for (int i = 0; i < images.size(); i++) {
            JsonNode n = images.get(i);
            ImageInfo im = d.images().get(i);
            assertEquals(n.get("id").asLong(), im.id());
            assertEquals(n.get("width").asInt(), im.width());
            assertEquals(n.get("height").asInt(), im.height());
            assertEquals(n.path("file_name").textValue(), im.fileName());
            assertEquals(n.has("neg_category_ids"), im.negCategoryIds() != null);
            if (n.has("neg_category_ids")) {
                assertEquals(n.get("neg_category_ids").size(), im.negCategoryIds().size());
                assertEquals(n.get("not_exhaustive_category_ids").size(), im.notExhaustiveCategoryIds().size());
            }
        }
        for (int i = 0; i < anns.size(); i++) {
            JsonNode n = anns.get(i);
            Annotation a = d.annotations().get(i);
            assertEquals(n.get("id").asLong(), a.id());
            assertEquals(n.get("image_id").asLong(), a.imageId());
            assertEquals(n.get("category_id").asInt(), a.categoryId());
            JsonNode b = n.get("bbox");
            assertEquals(b.get(0).asDouble(), a.x());
            assertEquals(b.get(1).asDouble(), a.y());
            assertEquals(b.get(2).asDouble(), a.w());
            assertEquals(b.get(3).asDouble(), a.h());
            assertEquals(n.get("area").asDouble(), a.area());
            assertEquals(n.path("iscrowd").asInt(0) == 1, a.iscrowd());
            if (n.has("segmentation")) {
                assertEquals(n.get("segmentation"), MAPPER.readTree(a.segmentation()), "segmentation of ann " + a.id());
            }
            assertSame(d.image(a.imageId()), d.images().get(d.imageIndex(a.imageId())));
            assertTrue(d.annotationsOf(a.imageId()).contains(a));
        }
        for (int i = 0; i < cats.size(); i++) {
            JsonNode n = cats.get(i);
            Category c = d.categories().get(i);
            assertEquals(n.get("id").asInt(), c.id());
            assertEquals(n.get("name").asText(), c.name());
            assertEquals(n.path("supercategory").textValue(), c.supercategory());
            assertEquals(n.path("frequency").textValue(), c.frequency() == null ? null : c.frequency().code());
            assertEquals(n.has("image_count") ? n.get("image_count").asInt() : null, c.imageCount());
            assertEquals(n.path("synset").textValue(), c.synset());
            assertSame(c, d.category(c.id()));
        }
        assertEquals(name.contains("lvis"), d.isLvis());
        int perImage = d.images().stream().mapToInt(im -> d.annotationsOf(im.id()).size()).sum();
        assertEquals(d.annotations().size(), perImage);
        assertEquals(0, d.skipReport().total());
    }

    @Test
    void cocoPeerFileHasItsCrowdAnnotations() throws IOException {
        Path file = ReferenceData.file("peer/instances_val2014_100.json");
        CocoDataset d = CocoJsonReader.strict().read(file);
        long crowdInTree = 0;
        for (JsonNode n : MAPPER.readTree(file.toFile()).get("annotations")) {
            crowdInTree += n.get("iscrowd").asInt();
        }
        assertTrue(crowdInTree > 0);
        assertEquals(crowdInTree, d.annotations().stream().filter(Annotation::iscrowd).count());
        // RLE segmentation of crowd boxes is an object with "counts" and "size"
        String rle = d.annotations().stream().filter(Annotation::iscrowd).findFirst().orElseThrow().segmentation();
        assertTrue(MAPPER.readTree(rle).has("counts"));
    }

    @Test
    void dropSegmentationKeepsEverythingElse() {
        Path file = ReferenceData.file("peer/lvis_val_100.json");
        CocoDataset full = CocoJsonReader.strict().read(file);
        CocoDataset lean = CocoJsonReader.builder().keepSegmentation(false).build().read(file);
        assertEquals(full.annotations().size(), lean.annotations().size());
        for (int i = 0; i < full.annotations().size(); i++) {
            Annotation a = full.annotations().get(i);
            Annotation b = lean.annotations().get(i);
            assertNull(b.segmentation());
            assertEquals(new Annotation(a.id(), a.imageId(), a.categoryId(), a.x(), a.y(), a.w(), a.h(), a.area(),
                    a.iscrowd(), null), b);
        }
    }

    // ------------------------------------------------------------------ bad input

    private static final String IMG = "{\"id\": 1, \"file_name\": \"a.png\", \"width\": 100, \"height\": 80}";
    private static final String CAT = "{\"id\": 7, \"name\": \"cat\"}";

    private static String doc(String images, String anns, String cats) {
        return "{\"images\": [" + images + "], \"annotations\": [" + anns + "], \"categories\": [" + cats + "]}";
    }

    private static String ann(long id, long imageId, int cat, String bbox) {
        return "{\"id\": " + id + ", \"image_id\": " + imageId + ", \"category_id\": " + cat + ", \"bbox\": " + bbox + "}";
    }

    private Path file(String json) throws IOException {
        Path f = Files.createTempFile(tmp, "ann", ".json");
        Files.writeString(f, json, StandardCharsets.UTF_8);
        return f;
    }

    private AnnotationFormatException fails(String json) throws IOException {
        Path f = file(json);
        AnnotationFormatException e = assertThrows(AnnotationFormatException.class, () -> CocoJsonReader.strict().read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    private CocoDataset skipping(String json) throws IOException {
        return CocoJsonReader.builder().policy(BadInputPolicy.SKIP).build().read(file(json));
    }

    private void assertBadAnnotation(String badAnn, String recordPart, String reasonPart, String kind) throws IOException {
        String json = doc(IMG, ann(1, 1, 7, "[1, 2, 3, 4]") + ", " + badAnn, CAT);
        AnnotationFormatException e = fails(json);
        assertTrue(e.record().contains(recordPart), e.getMessage());
        assertTrue(e.reason().contains(reasonPart), e.getMessage());
        CocoDataset d = skipping(json);
        assertEquals(1, d.annotations().size());
        assertEquals(1, d.skipReport().count(kind), d.skipReport().toString());
        assertEquals(1, d.skipReport().total());
    }

    @Test
    void truncatedJson() throws IOException {
        String json = doc(IMG, ann(1, 1, 7, "[1, 2, 3, 4]"), CAT);
        AnnotationFormatException e = fails(json.substring(0, json.length() / 2));
        assertTrue(e.reason().contains("truncated"), e.getMessage());
        // truncation cannot be skipped
        Path f = file(json.substring(0, json.length() - 5));
        assertThrows(AnnotationFormatException.class,
                () -> CocoJsonReader.builder().policy(BadInputPolicy.SKIP).build().read(f));
    }

    @Test
    void malformedJson() throws IOException {
        AnnotationFormatException e = fails("{\"images\": [" + IMG + ",, ]}");
        assertTrue(e.reason().contains("malformed JSON at line 1"), e.getMessage());
        assertTrue(fails("[1, 2]").reason().contains("expected a JSON object"));
        assertTrue(fails("{\"images\": {}}").reason().contains("'images' is an object, expected an array"));
        assertTrue(fails(doc(IMG, "", CAT) + " {}").reason().contains("trailing content"));
    }

    @Test
    void missingFile() {
        Path f = tmp.resolve("nope.json");
        AnnotationFormatException e = assertThrows(AnnotationFormatException.class, () -> CocoJsonReader.strict().read(f));
        assertTrue(e.getMessage().contains("nope.json") && e.getMessage().contains("not found"));
    }

    @Test
    void wrongTypes() throws IOException {
        assertBadAnnotation("{\"id\": \"x9\", \"image_id\": 1, \"category_id\": 7, \"bbox\": [1,2,3,4]}",
                "annotations[1]", "field 'id' is a string, expected an integer", "wrong type");
        assertBadAnnotation("{\"id\": 9, \"image_id\": 1, \"category_id\": 7, \"bbox\": \"1,2,3,4\"}",
                "annotations[1] (id 9)", "field 'bbox' is a string", "wrong type");
        assertBadAnnotation("{\"id\": 9, \"image_id\": 1, \"category_id\": 7, \"bbox\": [1,2,{\"a\":1},4]}",
                "(id 9)", "bbox[2]", "wrong type");
        assertBadAnnotation("{\"id\": 9, \"image_id\": 1, \"category_id\": 7, \"bbox\": [1,2,3,4], \"iscrowd\": \"no\"}",
                "(id 9)", "iscrowd", "wrong type");
        assertBadAnnotation("[1, 2]", "annotations[1]", "expected an object", "wrong type");
        String badImage = "{\"id\": 2, \"file_name\": \"b.png\", \"width\": \"wide\", \"height\": 80}";
        AnnotationFormatException e = fails(doc(IMG + ", " + badImage, "", CAT));
        assertEquals("images[1] (id 2)", e.record());
        assertEquals(1, skipping(doc(IMG + ", " + badImage, "", CAT)).images().size());
    }

    @Test
    void missingFields() throws IOException {
        assertBadAnnotation("{\"id\": 9, \"image_id\": 1, \"category_id\": 7}", "(id 9)", "'bbox'", "missing field");
        assertBadAnnotation("{\"id\": 9, \"category_id\": 7, \"bbox\": [1,2,3,4]}", "(id 9)", "'image_id'", "missing field");
        AnnotationFormatException e = fails(doc("{\"id\": 3, \"width\": 5, \"height\": 5}", "", CAT));
        assertTrue(e.reason().contains("file_name"), e.getMessage());
        assertTrue(fails(doc(IMG, "", "{\"id\": 4}")).reason().contains("'name'"));
    }

    @Test
    void unknownImageAndCategoryIds() throws IOException {
        assertBadAnnotation(ann(9, 42, 7, "[1,2,3,4]"), "annotations[1] (id 9)", "unknown image_id 42", "unknown image_id");
        assertBadAnnotation(ann(9, 1, 8, "[1,2,3,4]"), "annotations[1] (id 9)", "unknown category_id 8", "unknown category_id");
        String lvisImage = "{\"id\": 2, \"file_name\": \"b.png\", \"width\": 50, \"height\": 80, "
                + "\"neg_category_ids\": [7, 99], \"not_exhaustive_category_ids\": []}";
        AnnotationFormatException e = fails(doc(IMG + ", " + lvisImage, "", CAT));
        assertTrue(e.reason().contains("neg_category_ids contains unknown category id 99"), e.getMessage());
    }

    @Test
    void badBoxes() throws IOException {
        assertBadAnnotation(ann(9, 1, 7, "[1, NaN, 3, 4]"), "(id 9)", "NaN", "NaN or infinite bbox");
        assertBadAnnotation(ann(9, 1, 7, "[1, 2, -3, 4]"), "(id 9)", "negative width or height", "negative bbox size");
        assertBadAnnotation(ann(9, 1, 7, "[1, 2, 3]"), "(id 9)", "3 values", "bad bbox");
        assertBadAnnotation(ann(9, 1, 7, "[100, 2, 3, 4]"), "(id 9)", "outside image 1 of size 100x80", "box outside its image");
        assertBadAnnotation(ann(9, 1, 7, "[-10, 2, 5, 4]"), "(id 9)", "outside", "box outside its image");
        // a box that only sticks out is kept (the transforms clip it)
        assertEquals(2, CocoJsonReader.strict().read(file(doc(IMG, ann(1, 1, 7, "[1,2,3,4]") + ", "
                + ann(2, 1, 7, "[90, 70, 30, 30]"), CAT))).annotations().size());
    }

    @Test
    void duplicateIds() throws IOException {
        assertBadAnnotation(ann(1, 1, 7, "[1,2,3,4]"), "annotations[1] (id 1)", "duplicate annotation id 1", "duplicate id");
        AnnotationFormatException e = fails(doc(IMG + ", " + IMG, "", CAT));
        assertEquals("images[1] (id 1)", e.record());
        assertTrue(fails(doc(IMG, "", CAT + ", " + CAT)).reason().contains("duplicate category id 7"));
    }

    @Test
    void badValues() throws IOException {
        assertTrue(fails(doc("{\"id\": 3, \"file_name\": \"x\", \"width\": 0, \"height\": 5}", "", CAT))
                .reason().contains("not positive"));
        assertTrue(fails(doc(IMG, "", "{\"id\": 7, \"name\": \"x\", \"frequency\": \"q\"}"))
                .reason().contains("unknown LVIS frequency 'q'"));
        assertBadAnnotation("{\"id\": 9, \"image_id\": 1, \"category_id\": 7, \"bbox\": [1,2,3,4], \"area\": -1}",
                "(id 9)", "area", "bad area");
    }

    @Test
    void emptyDataset() throws IOException {
        assertTrue(fails(doc("", "", CAT)).reason().contains("empty dataset"));
        assertTrue(fails("{}").reason().contains("empty dataset"));
        assertTrue(fails(doc(IMG, "", "")).reason().contains("no categories"));
        // all images bad under skip policy is still an empty dataset
        Path f = file(doc("{\"id\": 1, \"width\": 5}", "", CAT));
        AnnotationFormatException e = assertThrows(AnnotationFormatException.class,
                () -> CocoJsonReader.builder().policy(BadInputPolicy.SKIP).build().read(f));
        assertTrue(e.reason().contains("empty dataset"), e.getMessage());
    }

    @Test
    void skipReportCountsAndCascades() throws IOException {
        String badImage = "{\"id\": 2, \"width\": 5, \"height\": 5}";
        String json = doc(IMG + ", " + badImage, ann(1, 1, 7, "[1,2,3,4]") + ", " + ann(2, 2, 7, "[1,1,1,1]")
                + ", " + ann(3, 1, 5, "[1,1,1,1]"), CAT);
        CocoDataset d = skipping(json);
        assertEquals(List.of(1L), d.images().stream().map(ImageInfo::id).toList());
        assertEquals(1, d.annotations().size());
        assertEquals(1, d.skipReport().count("missing field"));
        assertEquals(1, d.skipReport().count("unknown image_id"));
        assertEquals(1, d.skipReport().count("unknown category_id"));
        assertEquals(3, d.skipReport().total());
        String summary = d.skipReport().toString();
        assertTrue(summary.contains("annotations[2] (id 3): unknown category_id 5"), summary);
    }

    @Test
    void segmentationIsKeptVerbatimWithoutWhitespace() throws IOException {
        String seg = "{\"counts\": \"a\\\"b\\n\", \"size\": [ 2, 3 ], \"x\": [[1.50, 2e3, -0.0, true, null]]}";
        String json = doc(IMG, "{\"id\": 1, \"image_id\": 1, \"category_id\": 7, \"bbox\": [1,2,3,4], \"segmentation\": "
                + seg + "}", CAT);
        Annotation a = CocoJsonReader.strict().read(file(json)).annotations().get(0);
        assertEquals("{\"counts\":\"a\\\"b\\n\",\"size\":[2,3],\"x\":[[1.50,2e3,-0.0,true,null]]}", a.segmentation());
        assertEquals(MAPPER.readTree(seg), MAPPER.readTree(a.segmentation()));
    }

    @Test
    void unknownFieldsAreIgnoredAndAnnotationsMayComeFirst() throws IOException {
        String json = "{\"annotations\": [" + ann(1, 1, 7, "[1,2,3,4]") + "], \"extra\": {\"deep\": [1, {\"a\": null}]},"
                + " \"images\": [{\"id\": 1, \"foo\": [1], \"file_name\": \"a.png\", \"width\": 100, \"height\": 80}],"
                + " \"categories\": [{\"id\": 7, \"name\": \"cat\", \"color\": \"red\"}]}";
        CocoDataset d = CocoJsonReader.strict().read(file(json));
        assertEquals(1, d.annotations().size());
        assertEquals(12.0, d.annotations().get(0).area()); // missing area defaults to w·h
        assertFalse(d.isLvis());
    }
}
