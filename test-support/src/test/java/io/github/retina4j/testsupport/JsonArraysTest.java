package io.github.retina4j.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonArraysTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void nestedListKeepsShapeAndRowMajorOrder() throws Exception {
        INDArray a = JsonArrays.array(JSON.readTree("[[[1, 2, 3], [4, 5, 6]]]"));
        assertEquals(DataType.DOUBLE, a.dataType());
        assertArrayEquals(new long[] {1, 2, 3}, a.shape());
        assertEquals(6.0, a.getDouble(0, 1, 2), 0.0);
        assertEquals(2.0, a.getDouble(0, 0, 1), 0.0);
        assertArrayEquals(new long[] {0}, JsonArrays.array(JSON.readTree("[]")).shape());
    }

    @Test
    void shapeAndDataObject() throws Exception {
        INDArray t = JsonArrays.tensor(JSON.readTree("{\"shape\": [2, 2], \"data\": [1, 2, 3, 4.5]}"));
        assertArrayEquals(new long[] {2, 2}, t.shape());
        assertEquals(4.5, t.getDouble(1, 1), 0.0);
        assertEquals(2.0, t.getDouble(0, 1), 0.0);
    }

    @Test
    void flatListsAndMatrices() throws Exception {
        assertArrayEquals(new int[] {3, -1}, JsonArrays.ints(JSON.readTree("[3, -1]")));
        assertArrayEquals(new double[] {0.5, 2}, JsonArrays.doubles(JSON.readTree("[0.5, 2]")), 0.0);
        assertArrayEquals(new double[] {3, 4}, JsonArrays.matrix(JSON.readTree("[[1, 2], [3, 4]]"))[1], 0.0);
        assertArrayEquals(new double[] {1, 2, 3, 4}, JsonArrays.flatten(JSON.readTree("[[1, 2], [3, 4]]")), 0.0);
    }
}
