"""The demo city of 吕梁 as data: its 13 county-level divisions, their towns and sub-districts,
and the communities and compounds the seed article names (the staff are in ``staff.py``).

Codes of the city and counties are GB/T 2260. The sub-districts and towns of 离石区 are the real
ones; those of the other counties are their county seats and a few real neighbouring towns.
Communities and compounds other than the article's are invented but plausible; coordinates are
approximate county seats. ``builder.py`` turns this into rows through the place services.
"""

from __future__ import annotations

from dataclasses import dataclass

from shequgang.places.models import ManagementMode

SELF = ManagementMode.SELF_MANAGED
COMPANY = ManagementMode.PROPERTY_COMPANY
OWNERS = ManagementMode.OWNERS_COMMITTEE
PROPERTY_COMMITTEE = ManagementMode.PROPERTY_COMMITTEE

# The seed's city-wide figures that the `city` scale reproduces.
CITY_COMPOUNDS = 2096
CITY_SELF_MANAGED = 404


@dataclass(frozen=True)
class BuildingSpec:
    """An explicit building: ``units`` 0 puts the households directly in the building."""

    name: str
    units: int
    floors: int
    per_floor: int


@dataclass(frozen=True)
class CompoundSpec:
    name: str
    mode: ManagementMode
    # "old" (老旧多层), "multi" (多层商品房) or "high" (高层); ignored when buildings are given.
    style: str = "multi"
    property_company: str = ""
    buildings: tuple[BuildingSpec, ...] = ()


@dataclass(frozen=True)
class GridSpec:
    """A grid of a community: whole compounds, or named buildings of one compound."""

    name: str
    compounds: tuple[str, ...] = ()
    buildings: tuple[tuple[str, str], ...] = ()  # (compound, building)


@dataclass(frozen=True)
class CommunitySpec:
    name: str
    subtype: str = "社区"
    compounds: tuple[CompoundSpec, ...] = ()
    # Villages: courtyards (院) standing directly in the village, one or two households each.
    courtyards: int = 0
    # Explicit grids; without them the builder cuts the community into grids of ~300 households.
    grids: tuple[GridSpec, ...] = ()


@dataclass(frozen=True)
class TownSpec:
    name: str
    subtype: str  # 街道 / 镇 / 乡
    communities: tuple[CommunitySpec, ...] = ()
    # Share of the county's generated compounds at the `city` scale (0: none, e.g. rural 乡).
    weight: int = 1


@dataclass(frozen=True)
class CountySpec:
    name: str
    code: str
    latitude: float
    longitude: float
    towns: tuple[TownSpec, ...]
    # Compounds in the county at the `city` scale; the 13 add up to CITY_COMPOUNDS.
    city_compounds: int


def _village(town: str, subtype: str) -> TownSpec:
    village = CommunitySpec(f"{town[:2]}村", subtype="村", courtyards=6)
    return TownSpec(town, subtype, (village,), weight=0 if subtype == "乡" else 1)


# 滨东花园小区: 4 multi-storey buildings of 36 homes and 3 mid-rise ones of 54 — the 306
# households of the article's door-knocking campaign (敲门行动).
BINDONG = CompoundSpec(
    "滨东花园小区",
    COMPANY,
    property_company="吕梁市安泰物业服务有限公司",
    buildings=(
        *(BuildingSpec(f"{n}号楼", units=3, floors=6, per_floor=2) for n in range(1, 5)),
        *(BuildingSpec(f"{n}号楼", units=2, floors=9, per_floor=3) for n in range(5, 8)),
    ),
)
BINDONG_HOUSEHOLDS = 306

LISHI = CountySpec(
    "离石区",
    "141102",
    37.518,
    111.134,
    (
        TownSpec(
            "滨河街道",
            "街道",
            (
                CommunitySpec(
                    "城东社区",
                    compounds=(
                        BINDONG,
                        CompoundSpec("东城名苑", OWNERS, style="high"),
                        CompoundSpec("城东供销社家属院", SELF, style="old"),
                    ),
                    grids=(
                        GridSpec(
                            "第一网格",
                            buildings=tuple(("滨东花园小区", f"{n}号楼") for n in range(1, 5)),
                        ),
                        GridSpec(
                            "第二网格",
                            buildings=tuple(("滨东花园小区", f"{n}号楼") for n in range(5, 8)),
                        ),
                        GridSpec("第三网格", compounds=("东城名苑", "城东供销社家属院")),
                    ),
                ),
                CommunitySpec(
                    "滨河社区",
                    compounds=(
                        CompoundSpec(
                            "滨河花园小区", COMPANY, property_company="吕梁滨河物业管理有限公司"
                        ),
                        CompoundSpec("水利局家属院", SELF, style="old"),
                    ),
                ),
            ),
            weight=3,
        ),
        TownSpec(
            "凤山街道",
            "街道",
            (
                # The article's 市委北门高层小区: a retired party member chairs both the branch
                # and the owners' committee (「一肩挑」).
                CommunitySpec(
                    "龙凤社区",
                    compounds=(
                        CompoundSpec("市委北门高层小区", OWNERS, style="high"),
                        CompoundSpec("凤山苑", COMPANY, style="high"),
                    ),
                ),
            ),
            weight=3,
        ),
        TownSpec(
            "莲花池街道",
            "街道",
            (
                CommunitySpec(
                    "莲花池社区",
                    compounds=(
                        CompoundSpec("莲花苑小区", COMPANY),
                        CompoundSpec("粮食局家属院", SELF, style="old"),
                    ),
                ),
            ),
            weight=3,
        ),
        TownSpec(
            "城北街道",
            "街道",
            (
                CommunitySpec(
                    "北川社区",
                    compounds=(CompoundSpec("北川河畔小区", PROPERTY_COMMITTEE, style="old"),),
                ),
            ),
            weight=3,
        ),
        TownSpec(
            "田家会街道",
            "街道",
            (
                CommunitySpec(
                    "田家会社区", compounds=(CompoundSpec("田家会新村", SELF, style="old"),)
                ),
            ),
            weight=2,
        ),
        TownSpec(
            "交口街道",
            "街道",
            (CommunitySpec("交口社区", compounds=(CompoundSpec("交口新苑小区", COMPANY),)),),
            weight=2,
        ),
        TownSpec(
            "西属巴街道",
            "街道",
            (CommunitySpec("西属巴社区", compounds=(CompoundSpec("西苑小区", OWNERS),)),),
            weight=2,
        ),
        _village("吴城镇", "镇"),
        _village("信义镇", "镇"),
        _village("枣林乡", "乡"),
        _village("坪头乡", "乡"),
    ),
    city_compounds=420,
)

COUNTIES: tuple[CountySpec, ...] = (
    LISHI,
    CountySpec(
        "文水县",
        "141121",
        37.438,
        112.028,
        (
            TownSpec(
                "凤城镇",
                "镇",
                (CommunitySpec("城南社区", compounds=(CompoundSpec("文苑小区", COMPANY),)),),
                weight=4,
            ),
            TownSpec("开栅镇", "镇"),
            TownSpec("刘胡兰镇", "镇"),
        ),
        city_compounds=130,
    ),
    CountySpec(
        "交城县",
        "141122",
        37.551,
        112.156,
        (
            TownSpec(
                "天宁镇",
                "镇",
                (CommunitySpec("西街社区", compounds=(CompoundSpec("天宁佳苑", COMPANY),)),),
                weight=4,
            ),
            TownSpec("夏家营镇", "镇"),
        ),
        city_compounds=120,
    ),
    CountySpec(
        "兴县",
        "141123",
        38.463,
        111.127,
        (
            TownSpec(
                "蔚汾镇",
                "镇",
                (CommunitySpec("蔚汾社区", compounds=(CompoundSpec("蔚汾小区", OWNERS),)),),
                weight=4,
            ),
            TownSpec("魏家滩镇", "镇"),
        ),
        city_compounds=110,
    ),
    CountySpec(
        "临县",
        "141124",
        37.951,
        110.993,
        (
            TownSpec(
                "临泉镇",
                "镇",
                (CommunitySpec("东城社区", compounds=(CompoundSpec("湫水苑", COMPANY),)),),
                weight=4,
            ),
            TownSpec("白文镇", "镇"),
            TownSpec("碛口镇", "镇"),
        ),
        city_compounds=150,
    ),
    CountySpec(
        "柳林县",
        "141125",
        37.431,
        110.889,
        (
            TownSpec(
                "柳林镇",
                "镇",
                # The article's 锄沟社区: free clinics and the 候鸟课堂 holiday classes.
                (
                    CommunitySpec(
                        "锄沟社区",
                        compounds=(
                            CompoundSpec("锄沟新村", SELF, style="old"),
                            CompoundSpec("青龙苑小区", COMPANY),
                        ),
                    ),
                ),
                weight=4,
            ),
            TownSpec("穆村镇", "镇"),
            TownSpec("薛村镇", "镇"),
        ),
        city_compounds=150,
    ),
    CountySpec(
        "石楼县",
        "141126",
        36.998,
        110.835,
        (
            TownSpec(
                "灵泉镇",
                "镇",
                (
                    CommunitySpec(
                        "灵泉社区", compounds=(CompoundSpec("东山小区", SELF, style="old"),)
                    ),
                ),
                weight=4,
            ),
            TownSpec("罗村镇", "镇"),
        ),
        city_compounds=60,
    ),
    CountySpec(
        "岚县",
        "141127",
        38.279,
        111.672,
        (
            TownSpec(
                "东村镇",
                "镇",
                (CommunitySpec("东村社区", compounds=(CompoundSpec("岚城花园", COMPANY),)),),
                weight=4,
            ),
            TownSpec("岚城镇", "镇"),
        ),
        city_compounds=80,
    ),
    CountySpec(
        "方山县",
        "141128",
        37.894,
        111.243,
        (
            TownSpec(
                "圪洞镇",
                "镇",
                (
                    CommunitySpec(
                        "圪洞社区",
                        compounds=(CompoundSpec("南村小区", PROPERTY_COMMITTEE, style="old"),),
                    ),
                ),
                weight=4,
            ),
            TownSpec("大武镇", "镇"),
        ),
        city_compounds=70,
    ),
    CountySpec(
        "中阳县",
        "141129",
        37.357,
        111.179,
        (
            TownSpec(
                # The article's 宁乡镇: 「书记接单、马上就办」 livestreams on its 宁乡驿 platform.
                "宁乡镇",
                "镇",
                (
                    CommunitySpec("东关社区", compounds=(CompoundSpec("东关小区", COMPANY),)),
                    CommunitySpec(
                        "南街社区", compounds=(CompoundSpec("南街家属院", SELF, style="old"),)
                    ),
                ),
                weight=4,
            ),
            TownSpec("金罗镇", "镇"),
        ),
        city_compounds=110,
    ),
    CountySpec(
        "交口县",
        "141130",
        36.982,
        111.181,
        (
            TownSpec(
                "水头镇",
                "镇",
                (CommunitySpec("水头社区", compounds=(CompoundSpec("温泉小区", OWNERS),)),),
                weight=4,
            ),
            TownSpec("双池镇", "镇"),
        ),
        city_compounds=96,
    ),
    CountySpec(
        "孝义市",
        "141181",
        37.146,
        111.778,
        (
            TownSpec(
                "胜溪湖街道",
                "街道",
                # The article's 盐业小区: unmanaged for twenty years, now run by an elected
                # property-management committee (物管会).
                (
                    CommunitySpec(
                        "绿城社区",
                        compounds=(
                            CompoundSpec("盐业小区", PROPERTY_COMMITTEE, style="old"),
                            CompoundSpec("绿城花园", COMPANY, style="high"),
                        ),
                    ),
                ),
                weight=3,
            ),
            TownSpec(
                "新义街道",
                "街道",
                (CommunitySpec("府前社区", compounds=(CompoundSpec("府前小区", OWNERS),)),),
                weight=3,
            ),
            TownSpec("中阳楼街道", "街道", weight=3),
            TownSpec("振兴街道", "街道", weight=2),
        ),
        city_compounds=320,
    ),
    CountySpec(
        "汾阳市",
        "141182",
        37.261,
        111.788,
        (
            TownSpec(
                "太和桥街道",
                "街道",
                # The article's 建昌社区 (its canteen) and 昌瑞绿洲小区 (「旗映昌瑞 心暖绿洲」).
                (
                    CommunitySpec(
                        "建昌社区",
                        compounds=(
                            CompoundSpec(
                                "昌瑞绿洲小区",
                                COMPANY,
                                property_company="汾阳市昌瑞物业服务有限公司",
                            ),
                            CompoundSpec("建昌小区", SELF, style="old"),
                        ),
                    ),
                ),
                weight=3,
            ),
            TownSpec(
                "文峰街道",
                "街道",
                (CommunitySpec("文峰社区", compounds=(CompoundSpec("文峰苑", OWNERS),)),),
                weight=3,
            ),
            TownSpec("西河街道", "街道", weight=3),
            TownSpec("杏花村镇", "镇"),
        ),
        city_compounds=280,
    ),
)

CITY_NAME = "吕梁市"
CITY_CODE = "141100"
CITY_LATITUDE, CITY_LONGITUDE = 37.519, 111.144
