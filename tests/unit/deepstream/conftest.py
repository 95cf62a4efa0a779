import pytest
from omegaconf import OmegaConf

from tests.conftest import have_gi


def pipeline_dict(**over):
    """A resolved pipeline config (every schema key present), as the app-config step passes it."""
    from tao2ds.config.schema import PipelineConfig

    base = OmegaConf.structured(PipelineConfig)
    base.name = "t"
    cfg = OmegaConf.merge(base, over)
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


needs_gi = pytest.mark.skipif(
    not have_gi(), reason="PyGObject/GLib not installed (scripts/setup.sh installs it)"
)
