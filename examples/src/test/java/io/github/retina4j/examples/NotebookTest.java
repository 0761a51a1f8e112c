package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;

/**
 * Runs every code cell of {@code examples/notebooks/retina4j-tour.ipynb} through JShell (local
 * execution engine, the test class path), in order, and fails on any compile error or exception —
 * so the notebook cannot rot. Cells that are kernel magics ({@code %maven}, {@code %jars},
 * {@code %classpath}, ...) are skipped: here the class path is the test's.
 */
class NotebookTest {

    static final Path NOTEBOOK = Path.of("notebooks", "retina4j-tour.ipynb");

    /** The code cells' sources, magics cells excluded. */
    static List<String> codeCells(Path notebook) throws IOException {
        JsonNode nb = new ObjectMapper().readTree(notebook.toFile());
        List<String> cells = new ArrayList<>();
        for (JsonNode cell : nb.get("cells")) {
            if (!"code".equals(cell.get("cell_type").asText())) {
                continue;
            }
            JsonNode src = cell.get("source");
            String code = src.isArray()
                    ? java.util.stream.StreamSupport.stream(src.spliterator(), false).map(JsonNode::asText).collect(Collectors.joining())
                    : src.asText();
            if (code.strip().startsWith("%")) {
                continue;
            }
            cells.add(code);
        }
        return cells;
    }

    @Test
    void everyCodeCellRuns() throws IOException {
        List<String> cells = codeCells(NOTEBOOK);
        assertFalse(cells.isEmpty(), "the notebook has no code cells");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
        try (JShell shell = JShell.builder().executionEngine("local").out(out).err(out).build()) {
            for (String entry : cp.split(File.pathSeparator)) {
                if (!entry.isBlank()) shell.addToClasspath(entry);
            }
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            for (int c = 0; c < cells.size(); c++) {
                String remaining = cells.get(c);
                while (!remaining.isBlank()) {
                    SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
                    String snippet = info.source() != null ? info.source() : remaining;
                    if (info.completeness() == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE) {
                        fail("cell " + (c + 1) + " ends with an incomplete statement: " + remaining);
                    }
                    for (SnippetEvent e : shell.eval(snippet)) {
                        if (e.status() == Snippet.Status.REJECTED || e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                            String diags = shell.diagnostics(e.snippet())
                                    .map(d -> d.getMessage(null)).collect(Collectors.joining("; "));
                            fail("cell " + (c + 1) + " does not compile: " + diags + "\n" + snippet);
                        }
                        if (e.exception() != null) {
                            fail("cell " + (c + 1) + " threw " + e.exception() + "\n" + snippet + "\noutput:\n"
                                    + console.toString(StandardCharsets.UTF_8));
                        }
                    }
                    remaining = info.remaining() == null ? "" : info.remaining();
                }
            }
        }
    }
}
