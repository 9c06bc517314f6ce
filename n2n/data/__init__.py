"""Data for n2n: the course's file format, users' images and folders, noise models, the stand-in builder.

- :mod:`n2n.data.course`: ``load_train_pairs``, ``load_val``, ``save_course_file``;
- :mod:`n2n.data.images`: ``read_image``, ``write_image`` (8-bit RGB tensors);
- :mod:`n2n.data.photo_files`: ``read_photo``, ``write_photo`` (PNG, TIFF, JPEG, WebP at full precision, with
  :mod:`n2n.data.photo_metadata`, :mod:`n2n.data.png_chunks` and :mod:`n2n.data.tiff_writer`);
- :mod:`n2n.data.folders`: ``FolderPairs`` (two folders of matched noisy images);
- :mod:`n2n.data.noise`: ``parse_noise``, ``NOISE_MODELS``, ``NoiseModel``;
- :mod:`n2n.data.build`: ``build_dataset`` (``n2n data build``).
"""
