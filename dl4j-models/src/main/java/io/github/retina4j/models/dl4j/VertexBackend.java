package io.github.retina4j.models.dl4j;

/**
 * How a {@link DualBackendVertex} executes. Both compute the same function with the same parameters.
 */
public enum VertexBackend {
    /**
     * A hand-written runtime on raw libnd4j ops (oneDNN convolutions on float32): keeps what the backward pass needs
     * from the forward pass, and works under DL4J workspaces.
     */
    NATIVE_OPS,
    /**
     * DL4J's SameDiff execution of the vertex's {@code defineVertex} graph: the reference implementation. DL4J
     * 1.0.0-M2.1 recomputes the forward pass inside the backward pass, doubles the gradients (corrected by
     * {@link GradientCorrectedSameDiffVertex}) and cannot run under workspaces (RetinaNet#workspaceMode).
     */
    SAMEDIFF
}
