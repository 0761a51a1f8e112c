package io.github.retina4j.models.dl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReusableArraysTest {
    private static long address(INDArray a) {
        return a.data().address() + a.offset() * a.dataType().width();
    }

    @Test
    void smallerRequestsReuseTheStorageOfTheLargest() {
        ReusableArrays r = new ReusableArrays();
        INDArray big = r.get("a", DataType.FLOAT, 2, 3, 4, 5);
        assertArrayEquals(new long[]{2, 3, 4, 5}, big.shape());
        assertEquals('c', big.ordering());
        INDArray small = r.get("a", DataType.FLOAT, 3, 7);
        assertArrayEquals(new long[]{3, 7}, small.shape());
        assertEquals(address(big), address(small), "same storage");
        assertEquals(120L * 4, r.bytesHeld());
        // writes through the returned array land in the storage (it is a view, not a copy)
        small.assign(3.0);
        assertEquals(3.0, r.get("a", DataType.FLOAT, 21).getDouble(20), 0.0);
    }

    @Test
    void growsForLargerRequestsAndSeparatesNamesAndTypes() {
        ReusableArrays r = new ReusableArrays();
        INDArray a = r.get("a", DataType.FLOAT, 10);
        INDArray b = r.get("b", DataType.FLOAT, 10);
        assertNotEquals(address(a), address(b), "names own separate storage");
        INDArray grown = r.get("a", DataType.FLOAT, 11);
        assertEquals(11, grown.length());
        INDArray d = r.get("a", DataType.DOUBLE, 4);
        assertEquals(DataType.DOUBLE, d.dataType());
        assertTrue(r.bytesHeld() >= 4 * 8 + 10 * 4);
        r.clear();
        assertEquals(0, r.bytesHeld());
    }
}
