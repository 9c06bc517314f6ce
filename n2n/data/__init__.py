"""Data for n2n: the course's file format, users' images and folders, noise models, the stand-in builder.

- :mod:`n2n.data.course`: ``load_train_pairs``, ``load_val``, ``save_course_file``;
- :mod:`n2n.data.images`: ``read_image``, ``write_image``;
- :mod:`n2n.data.folders`: ``FolderPairs`` (two folders of matched noisy images);
- :mod:`n2n.data.noise`: ``parse_noise``, ``NOISE_MODELS``, ``NoiseModel``;
- :mod:`n2n.data.build`: ``build_dataset`` (``n2n data build``).
"""
