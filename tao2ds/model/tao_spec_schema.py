"""TAO's TF1 training-spec schemas, as protobuf descriptors built here (no protoc, no generated code).

The message and field definitions are transcribed field for field (names, numbers, types, oneofs,
maps, enums) from NVIDIA's own .proto files in ``NVIDIA/tao_tensorflow1_backend`` @2ec95cb
(the TAO 5.x TF1 backend; TAO Deploy 7.3.0 ships the same messages as ``*_pb2.py``):

- ``multitask_classification`` — ``nvidia_tao_tf1/cv/multitask_classification/proto/experiment.proto``
  (``Experiment { DataSource dataset_config = 1; ModelConfig model_config = 2;
  TrainingConfig training_config = 3; uint32 random_seed = 4; }``), ``…/dataset_config.proto``,
  ``nvidia_tao_tf1/cv/makenet/proto/model_config.proto`` (its ModelConfig) and
  ``nvidia_tao_tf1/cv/common/proto/{training_config, learning_rate_config,
  soft_start_annealing_schedule_config, soft_start_cosine_annealing_schedule_config,
  optimizer_config, adam_optimizer_config, sgd_optimizer_config, rmsprop_optimizer_config,
  regularizer_config, cost_scaling_config, visualizer_config, wandb_config, clearml_config}.proto``.
- ``classification_tf1`` (TAO's "makenet") — ``nvidia_tao_tf1/cv/makenet/proto/{experiment,
  model_config, training_config, eval_config, lr_config, optimizer_config,
  regularizer_config}.proto`` (``Experiment { EvalConfig eval_config = 1; ModelConfig model_config = 2;
  TrainConfig train_config = 3; }``; ``TrainConfig.preprocess_mode = 13``,
  ``map<string, float> image_mean = 18``).

Each schema lives in its own descriptor pool and package, because both define messages named
``Experiment``, ``ModelConfig`` and ``OptimizerConfig`` with different fields.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

MULTITASK = "multitask_classification"
CLASSIFICATION = "classification_tf1"

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "string": _F.TYPE_STRING,
    "float": _F.TYPE_FLOAT,
    "double": _F.TYPE_DOUBLE,
    "bool": _F.TYPE_BOOL,
    "uint32": _F.TYPE_UINT32,
}

# A field: (name, number, type[, oneof]). type is a scalar name, "repeated <scalar>", a message or
# enum name of the same schema (".Name" / "enum Name"), or "map<string,float>".
Field = tuple
Message = tuple[str, Sequence[Field]]

_INTERPOLATION = ("InterpolationMethod", ("BILINEAR", "BICUBIC"))
_MODEL_CONFIG: Sequence[Message] = (
    ("BatchNormConfig", (("momentum", 1, "float"), ("epsilon", 2, "float"))),
    ("Activation", (("activation_type", 1, "string"), ("activation_parameters", 2, "map<string,float>"))),
    (
        "ModelConfig",
        (
            ("arch", 1, "string"),
            ("input_image_size", 2, "string"),
            ("resize_interpolation_method", 12, "enum InterpolationMethod"),
            ("n_layers", 3, "uint32"),
            ("retain_head", 4, "bool"),
            ("use_batch_norm", 5, "bool"),
            ("use_bias", 6, "bool"),
            ("use_pooling", 7, "bool"),
            ("all_projections", 8, "bool"),
            ("freeze_bn", 9, "bool"),
            ("freeze_blocks", 10, "repeated uint32"),
            ("dropout", 11, "float"),
            ("batch_norm_config", 13, ".BatchNormConfig"),
            ("activation", 14, ".Activation"),
            ("byom_model", 15, "string"),
        ),
    ),
)
_VISUALIZER: Sequence[Message] = (
    (
        "WandBConfig",
        (
            ("enabled", 1, "bool"),
            ("key", 2, "string"),
            ("project", 3, "string"),
            ("entity", 4, "string"),
            ("reinit", 5, "bool"),
            ("name", 6, "string"),
            ("tags", 7, "repeated string"),
            ("wandb_dir", 8, "string"),
            ("notes", 9, "string"),
            ("mode", 10, "enum WandBMode"),
        ),
    ),
    (
        "ClearMLConfig",
        (
            ("project", 1, "string"),
            ("task", 2, "string"),
            ("tags", 3, "repeated string"),
            ("reuse_last_task_id", 4, "bool"),
            ("continue_last_task", 5, "bool"),
            ("deferred_init", 6, "bool"),
        ),
    ),
    (
        "VisualizerConfig",
        (
            ("enabled", 1, "bool"),
            ("num_images", 2, "uint32"),
            ("weight_histograms", 3, "bool"),
            ("wandb_config", 4, ".WandBConfig"),
            ("clearml_config", 5, ".ClearMLConfig"),
        ),
    ),
)
# WandBConfig.MODE is a nested enum in the .proto; a top-level enum parses the same text.
_WANDB_MODE = ("WandBMode", ("ONLINE", "OFFLINE", "DISABLED"))

_MULTITASK_MESSAGES: Sequence[Message] = (
    *_MODEL_CONFIG,
    *_VISUALIZER,
    (
        "DataSource",
        (
            ("train_csv_path", 1, "string"),
            ("image_directory_path", 2, "string"),
            ("val_csv_path", 3, "string"),
        ),
    ),
    (
        "SoftStartAnnealingScheduleConfig",
        (
            ("min_learning_rate", 1, "float"),
            ("max_learning_rate", 2, "float"),
            ("soft_start", 3, "float"),
            ("annealing", 4, "float"),
        ),
    ),
    (
        "SoftStartCosineAnnealingScheduleConfig",
        (("max_learning_rate", 1, "float"), ("soft_start", 2, "float"), ("min_learning_rate", 3, "float")),
    ),
    (
        "LearningRateConfig",
        (
            ("soft_start_annealing_schedule", 1, ".SoftStartAnnealingScheduleConfig", "learning_rate"),
            (
                "soft_start_cosine_annealing_schedule",
                2,
                ".SoftStartCosineAnnealingScheduleConfig",
                "learning_rate",
            ),
        ),
    ),
    (
        "AdamOptimizerConfig",
        (("epsilon", 1, "float"), ("beta1", 2, "float"), ("beta2", 3, "float"), ("amsgrad", 4, "bool")),
    ),
    ("SGDOptimizerConfig", (("momentum", 1, "float"), ("nesterov", 2, "bool"))),
    (
        "RMSpropOptimizerConfig",
        (("rho", 1, "float"), ("momentum", 2, "float"), ("epsilon", 3, "float"), ("centered", 4, "bool")),
    ),
    (
        "OptimizerConfig",
        (
            ("adam", 1, ".AdamOptimizerConfig", "optimizer"),
            ("sgd", 2, ".SGDOptimizerConfig", "optimizer"),
            ("rmsprop", 3, ".RMSpropOptimizerConfig", "optimizer"),
        ),
    ),
    ("RegularizerConfig", (("type", 1, "enum RegularizationType"), ("weight", 2, "float"))),
    (
        "CostScalingConfig",
        (
            ("enabled", 1, "bool"),
            ("initial_exponent", 2, "double"),
            ("increment", 3, "double"),
            ("decrement", 4, "double"),
        ),
    ),
    ("EarlyStopping", (("monitor", 1, "string"), ("min_delta", 2, "float"), ("patience", 3, "uint32"))),
    (
        "TrainingConfig",
        (
            ("batch_size_per_gpu", 1, "uint32"),
            ("num_epochs", 2, "uint32"),
            ("learning_rate", 3, ".LearningRateConfig"),
            ("regularizer", 4, ".RegularizerConfig"),
            ("optimizer", 5, ".OptimizerConfig"),
            ("cost_scaling", 6, ".CostScalingConfig"),
            ("checkpoint_interval", 7, "uint32"),
            ("enable_qat", 8, "bool"),
            ("resume_model_path", 9, "string", "load_model"),
            ("pretrain_model_path", 10, "string", "load_model"),
            ("pruned_model_path", 11, "string", "load_model"),
            ("max_queue_size", 12, "uint32"),
            ("n_workers", 13, "uint32"),
            ("use_multiprocessing", 14, "bool"),
            ("early_stopping", 15, ".EarlyStopping"),
            ("visualizer", 16, ".VisualizerConfig"),
            ("model_ema", 17, "bool"),
        ),
    ),
    (
        "Experiment",
        (
            ("dataset_config", 1, ".DataSource"),
            ("model_config", 2, ".ModelConfig"),
            ("training_config", 3, ".TrainingConfig"),
            ("random_seed", 4, "uint32"),
        ),
    ),
)
# RegularizerConfig.RegularizationType is nested in the .proto; the text spelling is the same.
_MULTITASK_ENUMS = (_INTERPOLATION, _WANDB_MODE, ("RegularizationType", ("NO_REG", "L1", "L2")))

_CLASSIFICATION_MESSAGES: Sequence[Message] = (
    *_MODEL_CONFIG,
    *_VISUALIZER,
    (
        "EvalConfig",
        (
            ("top_k", 1, "uint32"),
            ("eval_dataset_path", 2, "string"),
            ("model_path", 3, "string"),
            ("batch_size", 4, "uint32"),
            ("n_workers", 5, "uint32"),
            ("enable_center_crop", 6, "bool"),
        ),
    ),
    ("StepLrConfig", (("learning_rate", 1, "float"), ("step_size", 2, "uint32"), ("gamma", 3, "float"))),
    (
        "SoftAnnealLrConfig",
        (
            ("learning_rate", 1, "float"),
            ("soft_start", 2, "float"),
            ("annealing_divider", 3, "float"),
            ("annealing_points", 7, "repeated float"),
        ),
    ),
    (
        "CosineLrConfig",
        (("learning_rate", 1, "float"), ("min_lr_ratio", 2, "float"), ("soft_start", 3, "float")),
    ),
    (
        "LRConfig",
        (
            ("step", 1, ".StepLrConfig", "lr_scheduler"),
            ("soft_anneal", 2, ".SoftAnnealLrConfig", "lr_scheduler"),
            ("cosine", 3, ".CosineLrConfig", "lr_scheduler"),
        ),
    ),
    (
        "SgdOptimizerConfig",
        (("lr", 1, "float"), ("decay", 2, "float"), ("momentum", 3, "float"), ("nesterov", 4, "bool")),
    ),
    (
        "AdamOptimizerConfig",
        (
            ("lr", 1, "float"),
            ("beta_1", 2, "float"),
            ("beta_2", 3, "float"),
            ("epsilon", 4, "float"),
            ("decay", 5, "float"),
        ),
    ),
    (
        "RmspropOptimizerConfig",
        (("lr", 1, "float"), ("rho", 2, "float"), ("epsilon", 3, "float"), ("decay", 4, "float")),
    ),
    (
        "OptimizerConfig",
        (
            ("sgd", 1, ".SgdOptimizerConfig", "optim"),
            ("adam", 2, ".AdamOptimizerConfig", "optim"),
            ("rmsprop", 3, ".RmspropOptimizerConfig", "optim"),
        ),
    ),
    ("RegConfig", (("type", 1, "string"), ("scope", 2, "string"), ("weight_decay", 3, "float"))),
    (
        "TrainConfig",
        (
            ("train_dataset_path", 1, "string"),
            ("val_dataset_path", 2, "string"),
            ("pretrained_model_path", 3, "string"),
            ("optimizer", 4, ".OptimizerConfig"),
            ("batch_size_per_gpu", 5, "uint32"),
            ("n_epochs", 6, "uint32"),
            ("n_workers", 7, "uint32"),
            ("reg_config", 8, ".RegConfig"),
            ("lr_config", 9, ".LRConfig"),
            ("random_seed", 10, "uint32"),
            ("enable_random_crop", 11, "bool"),
            ("enable_center_crop", 14, "bool"),
            ("enable_color_augmentation", 15, "bool"),
            ("label_smoothing", 12, "float"),
            ("preprocess_mode", 13, "string"),
            ("mixup_alpha", 16, "float"),
            ("model_parallelism", 17, "repeated float"),
            ("image_mean", 18, "map<string,float>"),
            ("disable_horizontal_flip", 19, "bool"),
            ("visualizer", 20, ".VisualizerConfig"),
        ),
    ),
    (
        "Experiment",
        (
            ("eval_config", 1, ".EvalConfig"),
            ("model_config", 2, ".ModelConfig"),
            ("train_config", 3, ".TrainConfig"),
        ),
    ),
)
_CLASSIFICATION_ENUMS = (_INTERPOLATION, _WANDB_MODE)

SCHEMAS = {
    MULTITASK: (_MULTITASK_MESSAGES, _MULTITASK_ENUMS),
    CLASSIFICATION: (_CLASSIFICATION_MESSAGES, _CLASSIFICATION_ENUMS),
}


def _file_proto(package: str, messages: Sequence[Message], enums) -> descriptor_pb2.FileDescriptorProto:
    fp = descriptor_pb2.FileDescriptorProto(name=f"tao2ds/{package}.proto", package=package, syntax="proto3")
    for name, values in enums:
        e = fp.enum_type.add(name=name)
        for i, v in enumerate(values):
            e.value.add(name=v, number=i)
    for msg_name, fields in messages:
        m = fp.message_type.add(name=msg_name)
        oneofs: list[str] = []
        for name, number, kind, *oneof in fields:
            f = m.field.add(name=name, number=number, label=_F.LABEL_OPTIONAL)
            if kind.startswith("repeated "):
                f.label, kind = _F.LABEL_REPEATED, kind[len("repeated ") :]
            if kind == "map<string,float>":
                entry = m.nested_type.add(name="".join(p.title() for p in name.split("_")) + "Entry")
                entry.options.map_entry = True
                entry.field.add(name="key", number=1, label=_F.LABEL_OPTIONAL, type=_F.TYPE_STRING)
                entry.field.add(name="value", number=2, label=_F.LABEL_OPTIONAL, type=_F.TYPE_FLOAT)
                f.label, f.type, f.type_name = (
                    _F.LABEL_REPEATED,
                    _F.TYPE_MESSAGE,
                    f".{package}.{msg_name}.{entry.name}",
                )
            elif kind.startswith("."):
                f.type, f.type_name = _F.TYPE_MESSAGE, f".{package}{kind}"
            elif kind.startswith("enum "):
                f.type, f.type_name = _F.TYPE_ENUM, f".{package}.{kind[len('enum ') :]}"
            else:
                f.type = _SCALARS[kind]
            if oneof:
                if oneof[0] not in oneofs:
                    oneofs.append(oneof[0])
                    m.oneof_decl.add(name=oneof[0])
                f.oneof_index = oneofs.index(oneof[0])
    return fp


@lru_cache(maxsize=None)
def experiment_class(schema: str):
    """The message class of ``schema``'s top-level ``Experiment`` (a fresh pool per schema)."""
    messages, enums = SCHEMAS[schema]
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_file_proto(f"tao2ds_spec.{schema}", messages, enums))
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tao2ds_spec.{schema}.Experiment"))
