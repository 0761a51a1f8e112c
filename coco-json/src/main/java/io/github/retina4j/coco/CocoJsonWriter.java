package io.github.retina4j.coco;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a {@link CocoDataset} as COCO instances / LVIS JSON with Jackson's streaming
 * {@link JsonGenerator}: {@code info}, {@code licenses} (verbatim), {@code images}, {@code annotations},
 * {@code categories}. Optional (LVIS) fields are written only when present, so a COCO dataset gives a
 * COCO file and an LVIS dataset an LVIS file that pycocotools / lvis-api read. Integral numbers in
 * boxes and areas are written without a fraction. Output is deterministic for equal datasets.
 */
public final class CocoJsonWriter {
    private static final JsonFactory FACTORY = new JsonFactory();

    private CocoJsonWriter() {
    }

    /** Writes to a file atomically (temporary file in the same folder, then a move). */
    public static void write(CocoDataset dataset, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                write(dataset, out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write annotation file " + file, e);
        }
    }

    /** Writes UTF-8 JSON to a stream (not closed). */
    public static void write(CocoDataset dataset, OutputStream out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            if (dataset.info() != null) {
                g.writeFieldName("info");
                g.writeRawValue(dataset.info());
            }
            if (dataset.licenses() != null) {
                g.writeFieldName("licenses");
                g.writeRawValue(dataset.licenses());
            }
            g.writeArrayFieldStart("images");
            for (ImageInfo im : dataset.images()) {
                writeImage(g, im);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("annotations");
            for (Annotation a : dataset.annotations()) {
                writeAnnotation(g, a);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("categories");
            for (Category c : dataset.categories()) {
                writeCategory(g, c);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void writeImage(JsonGenerator g, ImageInfo im) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", im.id());
        if (im.fileName() != null) {
            g.writeStringField("file_name", im.fileName());
        }
        g.writeNumberField("width", im.width());
        g.writeNumberField("height", im.height());
        if (im.license() != null) {
            g.writeNumberField("license", im.license());
        }
        if (im.cocoUrl() != null) {
            g.writeStringField("coco_url", im.cocoUrl());
        }
        if (im.flickrUrl() != null) {
            g.writeStringField("flickr_url", im.flickrUrl());
        }
        if (im.dateCaptured() != null) {
            g.writeStringField("date_captured", im.dateCaptured());
        }
        writeIntList(g, "neg_category_ids", im.negCategoryIds());
        writeIntList(g, "not_exhaustive_category_ids", im.notExhaustiveCategoryIds());
        g.writeEndObject();
    }

    private static void writeAnnotation(JsonGenerator g, Annotation a) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", a.id());
        g.writeNumberField("image_id", a.imageId());
        g.writeNumberField("category_id", a.categoryId());
        g.writeArrayFieldStart("bbox");
        number(g, a.x());
        number(g, a.y());
        number(g, a.w());
        number(g, a.h());
        g.writeEndArray();
        g.writeFieldName("area");
        number(g, a.area());
        g.writeNumberField("iscrowd", a.iscrowd() ? 1 : 0);
        if (a.segmentation() != null) {
            g.writeFieldName("segmentation");
            g.writeRawValue(a.segmentation());
        }
        g.writeEndObject();
    }

    private static void writeCategory(JsonGenerator g, Category c) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", c.id());
        g.writeStringField("name", c.name());
        if (c.supercategory() != null) {
            g.writeStringField("supercategory", c.supercategory());
        }
        if (c.frequency() != null) {
            g.writeStringField("frequency", c.frequency().code());
        }
        if (c.imageCount() != null) {
            g.writeNumberField("image_count", c.imageCount());
        }
        if (c.instanceCount() != null) {
            g.writeNumberField("instance_count", c.instanceCount());
        }
        if (c.synset() != null) {
            g.writeStringField("synset", c.synset());
        }
        if (c.synonyms() != null) {
            g.writeArrayFieldStart("synonyms");
            for (String s : c.synonyms()) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
        if (c.def() != null) {
            g.writeStringField("def", c.def());
        }
        g.writeEndObject();
    }

    private static void writeIntList(JsonGenerator g, String field, List<Integer> ids) throws IOException {
        if (ids == null) {
            return;
        }
        g.writeArrayFieldStart(field);
        for (int id : ids) {
            g.writeNumber(id);
        }
        g.writeEndArray();
    }

    /** Integral values without ".0" (as COCO tools write them); others in shortest round-trip form. */
    static void number(JsonGenerator g, double v) throws IOException {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            g.writeNumber((long) v);
        } else {
            g.writeNumber(v);
        }
    }
}
