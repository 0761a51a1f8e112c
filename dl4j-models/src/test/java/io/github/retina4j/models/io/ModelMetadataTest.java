package io.github.retina4j.models.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorConvention;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.models.inference.TinyDetectionModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelMetadataTest {

    @Test
    void jsonRoundTripKeepsEveryField() throws Exception {
        ObjectNode cfg = new ObjectMapper().createObjectNode().put("backbone", "resnet50").put("fpnChannels", 256);
        ModelMetadata m = TinyDetectionModel.metadata();
        m = new ModelMetadata(m.categories(), m.preprocessing(), AnchorConfig.torchvisionRetinaNet(),
                BoxCoder.torchvisionDefault(), m.postprocessing(), "cls", "box", cfg);
        ModelMetadata back = ModelMetadata.fromJson(m.toJson(), "test");
        assertEquals(m.categories(), back.categories());
        assertEquals(m.preprocessing(), back.preprocessing());
        assertEquals(m.anchors(), back.anchors());
        assertEquals(m.boxCoder().toString(), back.boxCoder().toString());
        assertEquals(m.postprocessing(), back.postprocessing());
        assertEquals(cfg, back.modelConfig());
        assertNull(ModelMetadata.fromJson(TinyDetectionModel.metadata().toJson(), "t").modelConfig());
    }

    /** The class scoring travels in the file; a file without the field (older writers) reads as plain sigmoid. */
    @Test
    void scoringRoundTripsAndDefaultsToSigmoid() {
        ModelMetadata m = TinyDetectionModel.metadata();
        int c = m.categories().size();
        double[] w = new double[c];
        double[] n = new double[c];
        for (int i = 0; i < c; i++) {
            w[i] = 1.5 + i;
            n[i] = 10 * (i + 1);
        }
        ClassScoring s = new ClassScoring(ClassScoring.Activation.GUMBEL, w, n, new ClassScoring.NorCal(0.75, false));
        ModelMetadata back = ModelMetadata.fromJson(m.withScoring(s).toJson(), "test");
        assertEquals(s, back.scoring());
        assertEquals(ClassScoring.sigmoid(), ModelMetadata.fromJson(m.toJson(), "t").scoring());
        ObjectNode root;
        try {
            root = (ObjectNode) new ObjectMapper().readTree(m.toJson());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        root.remove("scoring");
        assertEquals(ClassScoring.sigmoid(), ModelMetadata.fromJson(root.toString(), "t").scoring());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.withScoring(new ClassScoring(ClassScoring.Activation.SIGMOID, new double[c + 1], null, null)));
        assertTrue(e.getMessage().contains((c + 1) + " logit weights"), e.getMessage());
    }

    @Test
    void missingOrInvalidFieldsAreNamed() {
        String json = TinyDetectionModel.metadata().toJson();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelMetadata.fromJson(json.replace("\"preprocessing\"", "\"preproc\""), "m.zip!meta"));
        assertTrue(e.getMessage().startsWith("m.zip!meta"), e.getMessage());
        assertTrue(e.getMessage().contains("'preprocessing' is missing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromJson("{\"formatVersion\": 99}", "m"));
        assertTrue(e.getMessage().contains("formatVersion 99"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromJson("{not json", "m"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelMetadata.fromJson(json.replace("\"sizeDivisor\" : 32", "\"sizeDivisor\" : -1"), "m"));
        assertTrue(e.getMessage().contains("sizeDivisor must be positive"), e.getMessage());
    }

    /** Model files may name the unrounded anchor convention SPEC_EXACT; an unknown name is reported with its field. */
    @Test
    void anchorConventionIsReadByNameAndAlias() {
        String json = TinyDetectionModel.metadata().toJson();
        assertTrue(json.contains("\"UNROUNDED\""), json);
        ModelMetadata alias = ModelMetadata.fromJson(json.replace("\"UNROUNDED\"", "\"SPEC_EXACT\""), "m");
        assertEquals(AnchorConvention.UNROUNDED, alias.anchors().convention());
        assertEquals(TinyDetectionModel.metadata().anchors(), alias.anchors());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelMetadata.fromJson(json.replace("\"UNROUNDED\"", "\"ROUNDED\""), "m.zip!meta"));
        assertTrue(e.getMessage().startsWith("m.zip!meta") && e.getMessage().contains("'ROUNDED'"), e.getMessage());
    }
}
