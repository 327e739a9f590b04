import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as parley_urlpatterns


@csrf_exempt
def bare_insert(request):
    """The floor a turn is compared with: parse the JSON body, one INSERT, answer JSON."""
    text = json.loads(request.body)["text"]
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare_message (text) VALUES (%s)", [text])
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare_insert), *parley_urlpatterns]
