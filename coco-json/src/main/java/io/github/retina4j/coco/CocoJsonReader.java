package io.github.retina4j.coco;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads COCO instances and LVIS v0.5/v1 annotation JSON with Jackson's streaming {@link JsonParser}
 * (never a tree model of the whole file: LVIS v1 train is ~1 GB, DESIGN §4). Unknown fields are
 * ignored; top-level {@code info}/{@code licenses} and each annotation's {@code segmentation} are
 * kept as raw JSON text (segmentation can be dropped to save memory with
 * {@link Builder#keepSegmentation(boolean)}).
 *
 * <p>Bad records — wrong field types, missing required fields, NaN/infinite/negative-size boxes,
 * boxes entirely outside their image, duplicate ids, annotations with unknown image or category ids,
 * unknown ids in {@code neg_category_ids}/{@code not_exhaustive_category_ids} — throw an
 * {@link AnnotationFormatException} naming file, record and reason under {@link BadInputPolicy#FAIL}
 * (the default), or are skipped and counted in {@link CocoDataset#skipReport()} under
 * {@link BadInputPolicy#SKIP}. Malformed or truncated JSON and an empty dataset always fail.
 * Instances are immutable and thread-safe.
 */
public final class CocoJsonReader {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CocoJsonReader.class);
    private static final JsonFactory FACTORY = JsonFactory.builder()
            // NaN/Infinity tokens are parsed so that they can be reported as bad boxes, not as syntax errors.
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final int BUFFER = 1 << 16;
    private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();

    private final BadInputPolicy policy;
    private final boolean keepSegmentation;

    private CocoJsonReader(Builder b) {
        this.policy = b.policy;
        this.keepSegmentation = b.keepSegmentation;
    }

    /** A reader with the fail policy that keeps segmentations. */
    public static CocoJsonReader strict() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link CocoJsonReader}. */
    public static final class Builder {
        private BadInputPolicy policy = BadInputPolicy.FAIL;
        private boolean keepSegmentation = true;

        /** FAIL (default) or SKIP bad records. */
        public Builder policy(BadInputPolicy policy) {
            this.policy = policy;
            return this;
        }

        /** Keep each annotation's segmentation as raw JSON (default true); false skips it while parsing. */
        public Builder keepSegmentation(boolean keep) {
            this.keepSegmentation = keep;
            return this;
        }

        public CocoJsonReader build() {
            return new CocoJsonReader(this);
        }
    }

    /** Reads a file. */
    public CocoDataset read(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new AnnotationFormatException(file.toString(), null, "file not found", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read annotation file " + file, e);
        }
    }

    /** Reads from a stream; {@code sourceName} names it in error messages. The stream is not closed. */
    public CocoDataset read(InputStream in, String sourceName) {
        return new Run(sourceName).parse(in);
    }

    /** One parse: the parser state, the collected records, the skip report. */
    private final class Run {
        private final String source;
        private final SkipReport skips = new SkipReport();
        private final List<ImageInfo> images = new ArrayList<>();
        private final List<Annotation> annotations = new ArrayList<>();
        private final List<Category> categories = new ArrayList<>();
        /** Index in the file array of each collected annotation (for messages in the cross-check phase). */
        private int[] annotationIndex = new int[1024];
        private String info;
        private String licenses;
        private JsonParser p;
        private final StringBuilder rawOut = new StringBuilder(1024);

        /** First problem found in the current record, or null. */
        private String recordError;
        private String recordErrorKind;

        Run(String source) {
            this.source = source;
        }

        CocoDataset parse(InputStream in) {
            try (JsonParser parser = FACTORY.createParser(in)) {
                p = parser;
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw fileError("top level is " + describe(p.currentToken()) + ", expected a JSON object");
                }
                Set<String> seen = new HashSet<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    if (!seen.add(field)) {
                        throw fileError("top-level field '" + field + "' appears twice");
                    }
                    switch (field) {
                        case "images" -> readArray(field, t, this::readImage);
                        case "annotations" -> readArray(field, t, this::readAnnotation);
                        case "categories" -> readArray(field, t, this::readCategory);
                        case "info" -> info = raw();
                        case "licenses" -> licenses = raw();
                        default -> p.skipChildren();
                    }
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    throw fileError("unexpected " + describe(p.currentToken()) + " at top level");
                }
                if (p.nextToken() != null) {
                    throw fileError("trailing content after the top-level object at " + location());
                }
            } catch (JsonProcessingException e) {
                String why = e.getOriginalMessage();
                boolean truncated = e instanceof com.fasterxml.jackson.core.io.JsonEOFException
                        || (why != null && why.contains("end-of-input"));
                if (truncated) {
                    throw new AnnotationFormatException(source, null, "truncated JSON: unexpected end of input at line "
                            + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
                }
                throw new AnnotationFormatException(source, null, "malformed JSON at line "
                        + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": " + why, e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read annotation file " + source, e);
            }
            if (images.isEmpty()) {
                throw fileError("empty dataset: no images");
            }
            if (categories.isEmpty()) {
                throw fileError("no categories");
            }
            return crossCheck();
        }

        private CocoDataset crossCheck() {
            Map<Integer, Category> cats = new HashMap<>(categories.size() * 2);
            List<Category> keptCats = new ArrayList<>(categories.size());
            for (int i = 0; i < categories.size(); i++) {
                Category c = categories.get(i);
                if (cats.containsKey(c.id())) {
                    bad("duplicate id", "categories[" + i + "] (id " + c.id() + ")", "duplicate category id " + c.id());
                    continue;
                }
                cats.put(c.id(), c);
                keptCats.add(c);
            }
            Map<Long, ImageInfo> ims = new HashMap<>(images.size() * 2);
            List<ImageInfo> keptImages = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                ImageInfo im = images.get(i);
                String rec = "images[" + i + "] (id " + im.id() + ")";
                if (ims.containsKey(im.id())) {
                    bad("duplicate id", rec, "duplicate image id " + im.id());
                    continue;
                }
                if (!idsKnown(im.negCategoryIds(), cats, rec, "neg_category_ids")
                        || !idsKnown(im.notExhaustiveCategoryIds(), cats, rec, "not_exhaustive_category_ids")) {
                    continue;
                }
                ims.put(im.id(), im);
                keptImages.add(im);
            }
            if (keptImages.isEmpty()) {
                throw fileError("empty dataset: all " + images.size() + " images were skipped\n" + skips);
            }
            Set<Long> annIds = new HashSet<>(annotations.size() * 2);
            List<Annotation> keptAnns = new ArrayList<>(annotations.size());
            for (int k = 0; k < annotations.size(); k++) {
                Annotation a = annotations.get(k);
                ImageInfo im = ims.get(a.imageId());
                if (im == null) {
                    bad("unknown image_id", annotationRecord(k, a), "unknown image_id " + a.imageId());
                } else if (!cats.containsKey(a.categoryId())) {
                    bad("unknown category_id", annotationRecord(k, a), "unknown category_id " + a.categoryId());
                } else if (!annIds.add(a.id())) {
                    bad("duplicate id", annotationRecord(k, a), "duplicate annotation id " + a.id());
                } else if (a.x() >= im.width() || a.y() >= im.height() || a.x2() <= 0 || a.y2() <= 0) {
                    bad("box outside its image", annotationRecord(k, a), "bbox [" + a.x() + ", " + a.y() + ", " + a.w() + ", " + a.h()
                            + "] lies outside image " + im.id() + " of size " + im.width() + "x" + im.height());
                } else {
                    keptAnns.add(a);
                }
            }
            if (skips.total() > 0) {
                LOG.warn("{}: {}", source, skips);
            }
            return new CocoDataset(info, licenses, keptImages, keptAnns, keptCats, skips);
        }

        private String annotationRecord(int k, Annotation a) {
            return "annotations[" + annotationIndex[k] + "] (id " + a.id() + ")";
        }

        private boolean idsKnown(List<Integer> ids, Map<Integer, Category> cats, String rec, String field) {
            if (ids == null) {
                return true;
            }
            for (Integer id : ids) {
                if (!cats.containsKey(id)) {
                    bad("unknown category id in " + field, rec, field + " contains unknown category id " + id);
                    return false;
                }
            }
            return true;
        }

        // ---------------------------------------------------------------- records

        private interface RecordParser {
            void parse(int index) throws IOException;
        }

        private void readArray(String field, JsonToken t, RecordParser rp) throws IOException {
            if (t != JsonToken.START_ARRAY) {
                throw fileError("'" + field + "' is " + describe(t) + ", expected an array");
            }
            int index = 0;
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                if (e == null) {
                    throw fileError("truncated JSON inside '" + field + "'");
                }
                recordError = null;
                recordErrorKind = null;
                if (e != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    bad("wrong type", field + "[" + index + "]", "record is " + describe(e) + ", expected an object");
                } else {
                    rp.parse(index);
                }
                index++;
            }
        }

        private void readImage(int index) throws IOException {
            Long id = null;
            String fileName = null, cocoUrl = null, flickrUrl = null, date = null;
            Integer width = null, height = null, license = null;
            List<Integer> neg = null, notEx = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "id" -> id = longValue(f);
                    case "file_name" -> fileName = string(f);
                    case "width" -> width = intValue(f);
                    case "height" -> height = intValue(f);
                    case "coco_url" -> cocoUrl = string(f);
                    case "flickr_url" -> flickrUrl = string(f);
                    case "license" -> license = intValue(f);
                    case "date_captured" -> date = string(f);
                    case "neg_category_ids" -> neg = intList(f);
                    case "not_exhaustive_category_ids" -> notEx = intList(f);
                    default -> p.skipChildren();
                }
            }
            endOfRecord("images");
            if (recordError == null) {
                if (id == null) {
                    missing("id");
                } else if (width == null) {
                    missing("width");
                } else if (height == null) {
                    missing("height");
                } else if (width <= 0 || height <= 0) {
                    error("bad image size", "image size " + width + "x" + height + " is not positive");
                } else if (fileName == null && cocoUrl == null) {
                    missing("file_name (and no coco_url)");
                }
            }
            if (recordError != null) {
                bad(recordErrorKind, record("images", index, id), recordError);
                return;
            }
            images.add(new ImageInfo(id, fileName, width, height, cocoUrl, flickrUrl, license, date, neg, notEx));
        }

        private void readAnnotation(int index) throws IOException {
            Long id = null, imageId = null;
            Integer categoryId = null;
            double[] bbox = null;
            Double area = null;
            boolean crowd = false;
            String seg = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "id" -> id = longValue(f);
                    case "image_id" -> imageId = longValue(f);
                    case "category_id" -> categoryId = intValue(f);
                    case "bbox" -> bbox = box(f);
                    case "area" -> area = doubleValue(f);
                    case "iscrowd" -> crowd = flag(f);
                    case "segmentation" -> {
                        if (keepSegmentation) {
                            seg = raw();
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            endOfRecord("annotations");
            if (recordError == null) {
                if (id == null) {
                    missing("id");
                } else if (imageId == null) {
                    missing("image_id");
                } else if (categoryId == null) {
                    missing("category_id");
                } else if (bbox == null) {
                    missing("bbox");
                } else if (area != null && !(area >= 0 && Double.isFinite(area))) {
                    error("bad area", "area " + area + " is negative or not finite");
                }
            }
            if (recordError != null) {
                bad(recordErrorKind, record("annotations", index, id), recordError);
                return;
            }
            double a = area == null ? bbox[2] * bbox[3] : area;
            annotations.add(new Annotation(id, imageId, categoryId, bbox[0], bbox[1], bbox[2], bbox[3], a, crowd, seg));
            if (annotations.size() > annotationIndex.length) {
                annotationIndex = java.util.Arrays.copyOf(annotationIndex, annotationIndex.length * 2);
            }
            annotationIndex[annotations.size() - 1] = index;
        }

        private void readCategory(int index) throws IOException {
            Integer id = null, imageCount = null, instanceCount = null;
            String name = null, supercategory = null, synset = null, def = null;
            Frequency frequency = null;
            List<String> synonyms = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "id" -> id = intValue(f);
                    case "name" -> name = string(f);
                    case "supercategory" -> supercategory = string(f);
                    case "frequency" -> {
                        String code = string(f);
                        if (code != null) {
                            try {
                                frequency = Frequency.fromCode(code);
                            } catch (IllegalArgumentException e) {
                                error("bad value", "field 'frequency': " + e.getMessage());
                            }
                        }
                    }
                    case "image_count" -> imageCount = intValue(f);
                    case "instance_count" -> instanceCount = intValue(f);
                    case "synset" -> synset = string(f);
                    case "def" -> def = string(f);
                    case "synonyms" -> synonyms = stringList(f);
                    default -> p.skipChildren();
                }
            }
            endOfRecord("categories");
            if (recordError == null) {
                if (id == null) {
                    missing("id");
                } else if (name == null) {
                    missing("name");
                } else if ((imageCount != null && imageCount < 0) || (instanceCount != null && instanceCount < 0)) {
                    error("bad value", "negative image_count/instance_count");
                }
            }
            if (recordError != null) {
                bad(recordErrorKind, record("categories", index, id), recordError);
                return;
            }
            categories.add(new Category(id, name, supercategory, frequency, imageCount, instanceCount, synset,
                    synonyms, def));
        }

        private String record(String array, int index, Number id) {
            return array + "[" + index + "]" + (id == null ? "" : " (id " + id + ")");
        }

        private void endOfRecord(String array) throws JsonProcessingException {
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw fileError("truncated JSON inside '" + array + "'");
            }
        }

        // ---------------------------------------------------------------- typed values

        private Long longValue(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT) {
                return p.getLongValue();
            }
            if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                double d = p.getDoubleValue();
                if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                    return (long) d;
                }
            }
            wrongType(field, t, "an integer");
            return null;
        }

        private Integer intValue(String field) throws IOException {
            Long v = longValue(field);
            if (v == null) {
                return null;
            }
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                error("bad value", "field '" + field + "' value " + v + " does not fit an int");
                return null;
            }
            return v.intValue();
        }

        private Double doubleValue(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                return p.getDoubleValue();
            }
            wrongType(field, t, "a number");
            return null;
        }

        private String string(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            wrongType(field, t, "a string");
            return null;
        }

        private boolean flag(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                return t == JsonToken.VALUE_TRUE;
            }
            if (t == JsonToken.VALUE_NUMBER_INT) {
                int v = p.getIntValue();
                if (v == 0 || v == 1) {
                    return v == 1;
                }
                error("bad value", "field '" + field + "' is " + v + ", expected 0 or 1");
                return false;
            }
            wrongType(field, t, "0, 1 or a boolean");
            return false;
        }

        private double[] box(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t != JsonToken.START_ARRAY) {
                wrongType(field, t, "an array [x, y, w, h]");
                return null;
            }
            double[] b = new double[4];
            int n = 0;
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                if (e == null) {
                    throw fileError("truncated JSON inside a bbox");
                }
                if (e != JsonToken.VALUE_NUMBER_INT && e != JsonToken.VALUE_NUMBER_FLOAT) {
                    p.skipChildren();
                    wrongType(field + "[" + n + "]", e, "a number");
                } else if (n < 4) {
                    b[n] = p.getDoubleValue();
                }
                n++;
            }
            if (recordError != null) {
                return null;
            }
            if (n != 4) {
                error("bad bbox", "bbox has " + n + " values, expected 4 [x, y, w, h]");
                return null;
            }
            for (double v : b) {
                if (!Double.isFinite(v)) {
                    error("NaN or infinite bbox", "bbox [" + b[0] + ", " + b[1] + ", " + b[2] + ", " + b[3]
                            + "] has a NaN or infinite value");
                    return null;
                }
            }
            if (b[2] < 0 || b[3] < 0) {
                error("negative bbox size", "bbox [" + b[0] + ", " + b[1] + ", " + b[2] + ", " + b[3]
                        + "] has a negative width or height");
                return null;
            }
            return b;
        }

        private List<Integer> intList(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t != JsonToken.START_ARRAY) {
                wrongType(field, t, "an array of integers");
                return null;
            }
            List<Integer> out = new ArrayList<>();
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                if (e == null) {
                    throw fileError("truncated JSON inside '" + field + "'");
                }
                if (e == JsonToken.VALUE_NUMBER_INT) {
                    out.add(p.getIntValue());
                } else {
                    p.skipChildren();
                    wrongType(field + " element", e, "an integer");
                }
            }
            return out;
        }

        private List<String> stringList(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t != JsonToken.START_ARRAY) {
                wrongType(field, t, "an array of strings");
                return null;
            }
            List<String> out = new ArrayList<>();
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                if (e == null) {
                    throw fileError("truncated JSON inside '" + field + "'");
                }
                if (e == JsonToken.VALUE_STRING) {
                    out.add(p.getText());
                } else {
                    p.skipChildren();
                    wrongType(field + " element", e, "a string");
                }
            }
            return out;
        }

        /** Copies the current value verbatim (numbers keep their text) and returns its JSON text. */
        private String raw() throws IOException {
            rawOut.setLength(0);
            copy();
            return rawOut.toString();
        }

        // Hand-written instead of JsonGenerator.copyCurrentStructure: that one re-formats numbers
        // through double, while segmentation must round-trip byte for byte; appending the tokens'
        // own characters to a StringBuilder is also ~2x cheaper than going through a generator.
        private void copy() throws IOException {
            JsonToken t = p.currentToken();
            if (t == null) {
                throw fileError("truncated JSON");
            }
            StringBuilder sb = rawOut;
            switch (t) {
                case START_OBJECT -> {
                    sb.append('{');
                    JsonToken n;
                    boolean first = true;
                    while ((n = p.nextToken()) == JsonToken.FIELD_NAME) {
                        if (!first) {
                            sb.append(',');
                        }
                        first = false;
                        quote(p.currentName());
                        sb.append(':');
                        p.nextToken();
                        copy();
                    }
                    if (n != JsonToken.END_OBJECT) {
                        throw fileError("truncated JSON");
                    }
                    sb.append('}');
                }
                case START_ARRAY -> {
                    sb.append('[');
                    JsonToken n;
                    boolean first = true;
                    while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (n == null) {
                            throw fileError("truncated JSON");
                        }
                        if (!first) {
                            sb.append(',');
                        }
                        first = false;
                        copy();
                    }
                    sb.append(']');
                }
                case VALUE_STRING -> quote(p.getText());
                // the number's own characters, no String per number (80 M numbers in LVIS v1 train)
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> sb.append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                case VALUE_TRUE -> sb.append("true");
                case VALUE_FALSE -> sb.append("false");
                case VALUE_NULL -> sb.append("null");
                default -> throw fileError("unexpected " + describe(t));
            }
        }

        private void quote(String text) {
            rawOut.append('"');
            ESCAPER.quoteAsString(text, rawOut);
            rawOut.append('"');
        }

        // ---------------------------------------------------------------- errors

        private void wrongType(String field, JsonToken t, String expected) throws IOException {
            if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
                p.skipChildren();
            }
            error("wrong type", "field '" + field + "' is " + describe(t) + ", expected " + expected);
        }

        private void missing(String field) {
            error("missing field", "missing required field '" + field + "'");
        }

        private void error(String kind, String message) {
            if (recordError == null) {
                recordError = message;
                recordErrorKind = kind;
            }
        }

        private void bad(String kind, String record, String reason) {
            if (policy == BadInputPolicy.FAIL) {
                throw new AnnotationFormatException(source, record, reason);
            }
            skips.add(kind, record + ": " + reason);
        }

        private AnnotationFormatException fileError(String reason) {
            return new AnnotationFormatException(source, null, reason);
        }

        private String location() {
            return "line " + p.currentLocation().getLineNr() + ", column " + p.currentLocation().getColumnNr();
        }
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of input (truncated JSON)";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a decimal number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
