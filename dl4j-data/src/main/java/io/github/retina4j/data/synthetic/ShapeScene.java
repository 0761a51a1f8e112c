package io.github.retina4j.data.synthetic;

import java.util.List;

/**
 * One generated image before rendering: its id, file name, size, background and shapes (which never
 * overlap). Rendering a scene is a pure function of it, see {@link ShapesLtGenerator#render(ShapeScene)}.
 *
 * @param noiseSeed seed of the per-pixel background noise
 */
public record ShapeScene(long imageId, String fileName, int width, int height, int background, long noiseSeed,
                         List<ShapeInstance> shapes, List<Integer> negCategoryIds,
                         List<Integer> notExhaustiveCategoryIds) {

    public ShapeScene {
        shapes = List.copyOf(shapes);
        negCategoryIds = List.copyOf(negCategoryIds);
        notExhaustiveCategoryIds = List.copyOf(notExhaustiveCategoryIds);
    }
}
