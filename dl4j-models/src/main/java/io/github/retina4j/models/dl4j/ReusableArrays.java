package io.github.retina4j.models.dl4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;

/**
 * Named scratch arrays that keep their off-heap storage from one call to the next: {@link #get} returns a
 * c-order array of the requested shape laid over the start of a flat buffer that only grows (to the largest
 * request seen under that name).
 *
 * <p>Why: without DL4J workspaces (graphs with SameDiff vertices, RetinaNet#workspaceMode) every fresh
 * {@code INDArray} is a new native allocation whose pages the OS faults in and zeroes; with workspaces, arrays kept
 * from the forward to the backward pass would need DL4J's FF_CACHE plumbing. Arrays handed back to DL4J (vertex
 * outputs, input errors) come from its workspace manager; the intermediates a layer keeps to itself live here.
 *
 * <p>Contents are not cleared: callers overwrite what they read. The storage is allocated outside any open
 * workspace. Not thread-safe (neither is the DL4J graph that owns it).
 */
public final class ReusableArrays {
    private final Map<String, INDArray> storage = new HashMap<>();

    /** @return an uninitialised c-order array of {@code shape}, valid until the next {@code get} of {@code name} */
    public INDArray get(String name, DataType type, long... shape) {
        long length = 1;
        for (long s : shape) {
            length *= s;
        }
        INDArray flat = storage.get(name);
        if (flat == null || flat.dataType() != type || flat.length() < length) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                flat = Nd4j.createUninitialized(type, Math.max(length, 1));
            }
            storage.put(name, flat);
        }
        INDArray head = flat.length() == length ? flat : flat.get(NDArrayIndex.interval(0, length));
        return head.reshape('c', shape);
    }

    /** Bytes currently held (for tests and logs). */
    public long bytesHeld() {
        long bytes = 0;
        for (INDArray a : storage.values()) {
            bytes += a.length() * a.dataType().width();
        }
        return bytes;
    }

    /** Drops all storage (it is garbage-collected with its arrays). */
    public void clear() {
        storage.clear();
    }
}
