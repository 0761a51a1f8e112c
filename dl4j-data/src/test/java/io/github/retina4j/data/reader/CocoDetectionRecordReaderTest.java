package io.github.retina4j.data.reader;

import io.github.retina4j.coco.BadInputPolicy;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.transform.TransformConfig;
import org.datavec.api.records.Record;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

class CocoDetectionRecordReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsOneRecordPerImageThroughTheDataVecInterface() throws Exception {
        ShapesLtFiles files = new ShapesLtGenerator(ShapesLtConfig.builder().seed(1).numClasses(4).trainImages(5)
                .valImages(1).imageSize(48, 64).objectSize(10, 20).longTail(4, 1).build()).writeTo(tmp);
        TransformConfig t = TransformConfig.evaluation().withScale(128, 96);
        CocoDetectionRecordReader rr = new CocoDetectionRecordReader(files.trainImages(), t, BadInputPolicy.FAIL, 0);
        assertThrows(IllegalStateException.class, rr::hasNext);
        rr.initialize(new FileSplit(files.trainCoco().toFile()));
        CocoDataset d = CocoJsonReader.strict().read(files.trainCoco());
        assertEquals(4, rr.getLabels().size());
        int n = 0;
        Record first = null;
        while (rr.hasNext()) {
            Record r = rr.nextRecord();
            first = first == null ? r : first;
            List<Writable> w = r.getRecord();
            assertEquals(CocoDetectionRecordReader.COLUMNS.size(), w.size());
            INDArray image = ((NDArrayWritable) w.get(0)).get();
            INDArray boxes = ((NDArrayWritable) w.get(1)).get();
            INDArray classes = ((NDArrayWritable) w.get(2)).get();
            assertEquals(4, image.rank());
            assertEquals(3, image.size(1));
            long id = w.get(4).toLong();
            assertEquals(d.annotationsOf(id).size(), boxes.size(0));
            assertEquals(boxes.size(0), classes.length());
            assertEquals(d.image(id).width(), w.get(5).toInt());
            n++;
        }
        assertEquals(5, n);
        // metadata reloads the same record
        Record again = rr.loadFromMetaData(first.getMetaData());
        for (int c = 0; c < first.getRecord().size(); c++) {
            Writable a = first.getRecord().get(c);
            Writable b = again.getRecord().get(c);
            if (a instanceof NDArrayWritable na) {
                assertIdentical(CocoDetectionRecordReader.COLUMNS.get(c), na.get(), ((NDArrayWritable) b).get());
            } else {
                assertEquals(a, b, CocoDetectionRecordReader.COLUMNS.get(c));
            }
        }
        rr.reset();
        assertTrue(rr.hasNext());
        assertThrows(UnsupportedOperationException.class, () -> rr.record(null, null));
    }
}
