package io.github.retina4j.data.sampling;

/** Visits images 0..n−1 in file order every epoch (evaluation). */
public record SequentialSampler(int numImages) implements ImageSampler {
    public SequentialSampler {
        if (numImages <= 0) {
            throw new IllegalArgumentException("sampler needs at least one image, got " + numImages);
        }
    }

    @Override
    public int[] epochOrder(int epoch) {
        int[] out = new int[numImages];
        for (int i = 0; i < numImages; i++) {
            out[i] = i;
        }
        return out;
    }
}
