from ninja import Router

router = Router(tags=["地点"])
