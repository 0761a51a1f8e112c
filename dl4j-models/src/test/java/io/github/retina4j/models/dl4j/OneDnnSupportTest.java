package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.*;

/** Guards the oneDNN workaround: when DL4J fixes its probe these assertions tell us to drop the shim. */
class OneDnnSupportTest {

    @Test
    void convolutionLayerRunsWithItsOneDnnHelper() {
        OneDnnSupport.enable();
        assertTrue(Nd4j.getEnvironment().helpersAllowed(), "DL4J helpers must be allowed after enable()");
        assertTrue(BaseMKLDNNHelper.mklDnnEnabled(), "DL4J's oneDNN probe must succeed (natives classifier -onednn)");
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).build())
                .layer(new GlobalPoolingLayer())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(8, 8, 2)).build());
        net.init();
        net.fit(Nd4j.rand(2, 2, 8, 8), Nd4j.rand(2, 1));
        org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv =
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer(0);
        assertNotNull(conv.getHelper(), "ConvolutionLayer has no helper: oneDNN is not used");
        assertTrue(conv.getHelper().getClass().getSimpleName().contains("MKLDNN"), conv.getHelper().getClass().getName());
    }

    @Test
    void shimIsOursAndForwardsToTheRenamedNativeMethod() throws Exception {
        Class<?> shim = Class.forName("org.nd4j.nativeblas.Nd4jCpu$Environment");
        // If DL4J ships this class again (fixed probe), it would come from their jar: drop our shim then.
        assertEquals(OneDnnSupport.class.getProtectionDomain().getCodeSource().getLocation(),
                shim.getProtectionDomain().getCodeSource().getLocation());
        assertTrue(org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN());
    }
}
