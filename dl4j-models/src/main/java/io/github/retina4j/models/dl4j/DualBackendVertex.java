package io.github.retina4j.models.dl4j;

/**
 * A {@code SameDiffVertex} configuration whose function also has a hand-written runtime: its SameDiff definition is
 * the reference, and {@link #getBackend()} says which of the two a graph instantiates.
 */
public interface DualBackendVertex {
    VertexBackend getBackend();
}
