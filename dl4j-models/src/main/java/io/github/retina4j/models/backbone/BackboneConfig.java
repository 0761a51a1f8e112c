package io.github.retina4j.models.backbone;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * A backbone that adds itself to a DL4J graph and exposes the C3, C4, C5 feature maps
 * (strides 8, 16, 32) that the FPN consumes.
 */
public sealed interface BackboneConfig permits ResNetConfig, SmallBackboneConfig {

    /**
     * Adds the backbone's layers to {@code graph}, reading from vertex {@code input}.
     *
     * @return the vertex names of C3, C4, C5 and their channel counts
     */
    FeatureMaps addTo(ComputationGraphConfiguration.GraphBuilder graph, String input);

    /** Output channels of C3, C4, C5. */
    int[] outChannels();

    /** Vertex names and channel counts of C3, C4, C5. */
    record FeatureMaps(String[] names, int[] channels) {
    }
}
