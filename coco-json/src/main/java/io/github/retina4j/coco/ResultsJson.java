package io.github.retina4j.coco;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the standard detection results file {@code [{image_id, category_id, bbox, score}, ...]}
 * with Jackson's streaming API, so that pycocotools / lvis-api read our files and we read theirs.
 * Extra fields (for example {@code segmentation}, {@code id}, {@code area}) are skipped.
 *
 * <p>Malformed input fails with an {@link IllegalArgumentException} that names the file, the entry
 * index (0-based position in the array), the field and the value: a missing field, a wrong type,
 * a bbox that is not 4 numbers, NaN / Infinity (accepted by the tokenizer only so that the message
 * can name the entry), negative width/height, or a truncated file.
 */
public final class ResultsJson {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // results files are almost all floating-point numbers: Jackson's fast parser/writer
            // (FastDoubleParser / Schubfach) are exact and several times faster than the JDK's
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private ResultsJson() {
    }

    /** Reads a results file. */
    public static List<DetectionResult> read(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read results file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads results from a stream.
     *
     * @param source name of the source used in error messages (file name)
     */
    public static List<DetectionResult> read(InputStream in, String source) {
        List<DetectionResult> out = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IllegalArgumentException(source + ": empty results file (expected a JSON array)");
            }
            if (first != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException(source + ": results must be a JSON array of {image_id, category_id, bbox, score}, found "
                        + first.asString() + " at " + at(p.currentLocation()));
            }
            int index = 0;
            try {
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw new IllegalArgumentException(source + ": truncated results file: the array ends after "
                                + index + " complete entries, before its closing ']'");
                    }
                    if (t != JsonToken.START_OBJECT) {
                        throw new IllegalArgumentException(source + ": results entry " + index + " is not an object (found "
                                + t.asString() + " at " + at(p.currentLocation()) + ")");
                    }
                    DetectionResult r = readEntry(p, source, index);
                    try {
                        r.validate(index);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
                    }
                    out.add(r);
                    index++;
                }
            } catch (JsonEOFException e) {
                throw new IllegalArgumentException(source + ": truncated results file (unexpected end of input) in results entry "
                        + index + ", after " + index + " complete entries, at " + at(e.getLocation()), e);
            } catch (JsonProcessingException e) {
                String msg = e.getOriginalMessage();
                if (msg != null && msg.contains("end-of-input")) { // Jackson reports some EOFs as plain parse errors
                    throw new IllegalArgumentException(source + ": truncated results file (unexpected end of input) in results entry "
                            + index + ", after " + index + " complete entries, at " + at(e.getLocation()), e);
                }
                throw new IllegalArgumentException(source + ": malformed JSON in results entry " + index + " at "
                        + at(e.getLocation()) + ": " + e.getOriginalMessage(), e);
            }
            try {
                if (p.nextToken() != null) {
                    throw new IllegalArgumentException(source + ": unexpected content after the results array at "
                            + at(p.currentLocation()));
                }
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(source + ": unexpected content after the results array at "
                        + at(e.getLocation()) + ": " + e.getOriginalMessage(), e);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": malformed JSON at " + at(e.getLocation()) + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static DetectionResult readEntry(JsonParser p, String source, int index) throws IOException {
        long imageId = 0;
        long categoryId = 0;
        double score = 0;
        double[] box = null;
        boolean hasImage = false;
        boolean hasCategory = false;
        boolean hasScore = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "image_id" -> {
                    imageId = readId(p, v, source, index, name);
                    hasImage = true;
                }
                case "category_id" -> {
                    categoryId = readId(p, v, source, index, name);
                    hasCategory = true;
                }
                case "score" -> {
                    score = readNumber(p, v, source, index, name);
                    hasScore = true;
                }
                case "bbox" -> box = readBox(p, v, source, index);
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IllegalArgumentException(source + ": truncated results file inside entry " + index);
        }
        String missing = !hasImage ? "image_id" : !hasCategory ? "category_id" : box == null ? "bbox" : !hasScore ? "score" : null;
        if (missing != null) {
            throw new IllegalArgumentException(source + ": results entry " + index + " has no '" + missing + "' field");
        }
        return new DetectionResult(imageId, categoryId, box[0], box[1], box[2], box[3], score);
    }

    private static long readId(JsonParser p, JsonToken v, String source, int index, String field) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        if (v == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            // Some writers emit integral ids as 12.0; accept those, reject 12.5.
            if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
                return (long) d;
            }
            throw new IllegalArgumentException(source + ": results entry " + index + ": " + field + " " + p.getText()
                    + " is not an integer");
        }
        throw new IllegalArgumentException(source + ": results entry " + index + ": " + field + " must be an integer, found "
                + describe(p, v));
    }

    private static double readNumber(JsonParser p, JsonToken v, String source, int index, String field) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getDoubleValue();
        }
        throw new IllegalArgumentException(source + ": results entry " + index + ": " + field + " must be a number, found "
                + describe(p, v));
    }

    private static double[] readBox(JsonParser p, JsonToken v, String source, int index) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException(source + ": results entry " + index + ": bbox must be an array [x, y, w, h], found "
                    + describe(p, v));
        }
        double[] box = new double[4];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IllegalArgumentException(source + ": truncated results file inside the bbox of entry " + index);
            }
            if (n == 4) {
                throw new IllegalArgumentException(source + ": results entry " + index + ": bbox has more than 4 numbers");
            }
            box[n++] = readNumber(p, t, source, index, "bbox[" + n + "]");
        }
        if (n != 4) {
            throw new IllegalArgumentException(source + ": results entry " + index + ": bbox has " + n + " numbers, expected 4 [x, y, w, h]");
        }
        return box;
    }

    private static String describe(JsonParser p, JsonToken v) throws IOException {
        if (v == null) {
            return "end of input (truncated file)";
        }
        return switch (v) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "the string \"" + p.getText() + "\"";
            default -> v.asString() == null ? v.name() : v.asString();
        };
    }

    private static String at(JsonLocation loc) {
        return loc == null ? "unknown position" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** Writes results to a file (created or replaced). */
    public static void write(Path file, List<DetectionResult> results) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(out, results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes results to a stream (not closed). Doubles are written in their shortest round-trip
     * form, so reading the file back gives the same values.
     *
     * @throws IllegalArgumentException if an entry has a NaN/infinite value or negative size
     */
    public static void write(OutputStream out, List<DetectionResult> results) throws IOException {
        for (int i = 0; i < results.size(); i++) {
            results.get(i).validate(i);
        }
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            g.writeStartArray();
            for (DetectionResult r : results) {
                g.writeStartObject();
                g.writeNumberField("image_id", r.imageId());
                g.writeNumberField("category_id", r.categoryId());
                g.writeFieldName("bbox");
                g.writeStartArray();
                g.writeNumber(r.x());
                g.writeNumber(r.y());
                g.writeNumber(r.width());
                g.writeNumber(r.height());
                g.writeEndArray();
                g.writeNumberField("score", r.score());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        out.flush();
    }
}
