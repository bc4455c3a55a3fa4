<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ApplyModelAlgorithm</name>
    <message>
        <location filename="../algorithms/apply_model.py" line="17"/>
        <source>Apply saved model</source>
        <translation>Gespeichertes Modell anwenden</translation>
    </message>
    <message>
        <location filename="../algorithms/apply_model.py" line="20"/>
        <source>Applies a correction saved by Global match, Local match or Global and local match (their Saved model output) without fitting anything again: to the same files, which reproduces that run&apos;s outputs exactly, or to files of the same names in another folder (a reprocessed product, say).

Each input must carry the name of an image of the model and its bands; for a model with local correction, also its grid. Writes the file names of the run that saved the model.

</source>
        <translation>Wendet eine von Globaler Abgleich, Lokaler Abgleich oder Globaler und lokaler Abgleich gespeicherte Korrektur (deren Ausgabe Gespeichertes Modell) an, ohne erneut etwas anzupassen: auf dieselben Dateien, was die Ergebnisse jenes Laufs genau wiederholt, oder auf gleichnamige Dateien in einem anderen Ordner (etwa ein neu prozessiertes Produkt).

Jede Eingabe muss den Namen eines Bildes des Modells und dessen Bänder tragen; bei einem Modell mit lokaler Korrektur auch dessen Raster. Schreibt die Dateinamen des Laufs, der das Modell gespeichert hat.

</translation>
    </message>
    <message>
        <location filename="../algorithms/apply_model.py" line="32"/>
        <source>Saved model</source>
        <translation>Gespeichertes Modell</translation>
    </message>
    <message>
        <location filename="../algorithms/apply_model.py" line="32"/>
        <source>Saved models (*.json);;All files (*)</source>
        <translation>Gespeicherte Modelle (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../algorithms/apply_model.py" line="32"/>
        <source>A model file written by the Saved model output of a matching run.</source>
        <translation>Eine Modelldatei, geschrieben von der Ausgabe Gespeichertes Modell eines Abgleichs.</translation>
    </message>
    <message>
        <location filename="../algorithms/apply_model.py" line="51"/>
        <source>Incorrect parameter value for {}</source>
        <translation>Ungültiger Parameterwert für {}</translation>
    </message>
</context>
<context>
    <name>GlobalMatchAlgorithm</name>
    <message>
        <location filename="../algorithms/global_match.py" line="14"/>
        <source>Global match</source>
        <translation>Globaler Abgleich</translation>
    </message>
    <message>
        <location filename="../algorithms/global_match.py" line="17"/>
        <source>Makes overlapping rasters radiometrically consistent with one gain and one offset per raster and band, found in a single least-squares solution that equalises the mean and standard deviation of every overlap.

Expects two or more rasters that overlap, with the same bands (or corresponding bands, see below), in any CRS and pixel size. Only pixels valid in both rasters of an overlap count (no-data value, mask band, NaN). Any pixel unit works, negative values included.

Without a reference, the set keeps its own central tendency (mean gain 1, mean offset 0); with one, the reference keeps its values. Rasters that overlap no other are written unchanged, with a warning.

Writes one GeoTIFF per input, &lt;input name&gt;_global.tif, on the input&apos;s grid with its type and no-data value. The gains and offsets are listed in the log.

</source>
        <translation>Gleicht überlappende Raster radiometrisch an: mit einem Faktor und einem Versatz je Raster und Band, gefunden in einer einzigen Ausgleichslösung (kleinste Quadrate), die Mittelwert und Standardabweichung jeder Überlappung angleicht.

Erwartet zwei oder mehr überlappende Raster mit denselben Bändern (oder einander entsprechenden Bändern, siehe unten), in beliebigem KBS und beliebiger Pixelgröße. Es zählen nur Pixel, die in beiden Rastern einer Überlappung gültig sind (NoData-Wert, Maskenband, NaN). Jede Pixeleinheit ist möglich, auch negative Werte.

Ohne Referenz behält der Satz seine eigene zentrale Tendenz (mittlerer Faktor 1, mittlerer Versatz 0); mit Referenz behält diese ihre Werte. Raster ohne Überlappung werden unverändert geschrieben, mit einer Warnung.

Schreibt je Eingabe ein GeoTIFF, &lt;Eingabename&gt;_global.tif, auf dem Raster der Eingabe mit deren Datentyp und NoData-Wert. Faktoren und Versätze stehen im Protokoll.

</translation>
    </message>
</context>
<context>
    <name>LoadIntoSet</name>
    <message>
        <location filename="../algorithms/loading.py" line="296"/>
        <source>Mosaic</source>
        <translation>Mosaik</translation>
    </message>
    <message>
        <location filename="../algorithms/loading.py" line="296"/>
        <source>Seamlines</source>
        <translation>Schnittlinien</translation>
    </message>
</context>
<context>
    <name>LocalMatchAlgorithm</name>
    <message>
        <location filename="../algorithms/local_match.py" line="14"/>
        <source>Local match</source>
        <translation>Lokaler Abgleich</translation>
    </message>
    <message>
        <location filename="../algorithms/local_match.py" line="17"/>
        <source>Removes smooth radiometric differences between overlapping rasters (haze, vignetting, a sun-angle gradient) that one gain and offset per raster cannot.

A grid of square blocks covers all inputs. The correction of each raster is a smooth surface with one node per block, interpolated bilinearly to every pixel and applied by gamma, linear or offset correction. The nodes of all rasters are fitted together, by least squares, to what every pair of rasters shows on the pixels both have, in cells of a few pixels at their true positions, with a smoothness term that carries the surfaces across clouds and no-data; each place keeps the rasters&apos; central tendency (or a reference raster&apos;s values). Overlaps therefore agree up to their edges.

Expects rasters that already agree globally (run Global match first, or use Global and local match), with the same bands (or corresponding bands, see below), in any CRS and pixel size.

Writes one GeoTIFF per input, &lt;input name&gt;_local.tif, with the input&apos;s grid, type and no-data value.

</source>
        <translation>Entfernt glatte radiometrische Unterschiede zwischen überlappenden Rastern (Dunst, Vignettierung, ein Gradient des Sonnenstands), die ein Faktor und ein Versatz je Raster nicht erfassen.

Ein Gitter quadratischer Blöcke überdeckt alle Eingaben. Die Korrektur jedes Rasters ist eine glatte Fläche mit einem Knoten je Block, bilinear auf jedes Pixel interpoliert und als Gamma-, lineare oder Versatzkorrektur angewandt. Die Knoten aller Raster werden gemeinsam nach kleinsten Quadraten an das angepasst, was jedes Rasterpaar auf den Pixeln zeigt, die beide haben, in Zellen weniger Pixel an ihrer wahren Lage, mit einem Glättungsterm, der die Flächen über Wolken und NoData hinweg trägt; jeder Ort behält die zentrale Tendenz der Raster (oder die Werte eines Referenzrasters). So stimmen Überlappungen bis an ihre Ränder überein.

Erwartet Raster, die bereits global übereinstimmen (zuerst Globaler Abgleich, oder Globaler und lokaler Abgleich), mit denselben Bändern (oder einander entsprechenden Bändern, siehe unten), in beliebigem KBS und beliebiger Pixelgröße.

Schreibt je Eingabe ein GeoTIFF, &lt;Eingabename&gt;_local.tif, mit Raster, Datentyp und NoData-Wert der Eingabe.

</translation>
    </message>
</context>
<context>
    <name>MatchAlgorithm</name>
    <message>
        <location filename="../algorithms/match.py" line="18"/>
        <source>Global and local match</source>
        <translation>Globaler und lokaler Abgleich</translation>
    </message>
    <message>
        <location filename="../algorithms/match.py" line="42"/>
        <source>Keep global outputs</source>
        <translation>Globale Ergebnisse behalten</translation>
    </message>
    <message>
        <location filename="../algorithms/match.py" line="42"/>
        <source>Also write the globally matched rasters, &lt;input name&gt;_global.tif.</source>
        <translation>Auch die global abgeglichenen Raster schreiben, &lt;Eingabename&gt;_global.tif.</translation>
    </message>
    <message>
        <location filename="../algorithms/match.py" line="21"/>
        <source>The usual job in one run: global matching (one gain and offset per raster and band from the means and standard deviations of all overlaps, in one least-squares solution) followed by local block matching (smooth differences such as haze and vignetting), so that a mosaic of the outputs shows no seams.

Expects two or more overlapping rasters with the same bands (or corresponding bands, see below), in any CRS and pixel size; no-data values, masks and NaN are respected; any pixel unit works.

Each input is read once for all statistics and once to write its output: the globally corrected rasters are not written unless Keep global outputs is set.

Writes one GeoTIFF per input, &lt;input name&gt;_matched.tif, with the input&apos;s grid, type and no-data value. The gains and offsets are listed in the log. Mosaic also writes one seamless mosaic of the matched rasters (as Seamless mosaic does), in the same run.

</source>
        <translation>Die übliche Aufgabe in einem Lauf: globale Angleichung (ein Gain und ein Offset je Raster und Band aus den Mittelwerten und Standardabweichungen aller Überlappungen, in einer Lösung der kleinsten Quadrate), gefolgt von lokaler Blockangleichung (glatte Unterschiede wie Dunst und Vignettierung), sodass ein Mosaik der Ergebnisse keine Nähte zeigt.

Erwartet zwei oder mehr überlappende Raster mit denselben Bändern (oder einander entsprechenden Bändern, siehe unten), in beliebigem KBS und beliebiger Pixelgröße; NoData-Werte, Masken und NaN werden beachtet; jede Pixeleinheit funktioniert.

Jede Eingabe wird einmal für alle Statistiken und einmal zum Schreiben ihres Ergebnisses gelesen: die global korrigierten Raster werden nur geschrieben, wenn Globale Ergebnisse behalten gesetzt ist.

Schreibt ein GeoTIFF je Eingabe, &lt;Eingabename&gt;_matched.tif, mit Raster, Datentyp und NoData-Wert der Eingabe. Die Gains und Offsets stehen im Protokoll. Mosaik schreibt im selben Lauf zusätzlich ein nahtloses Mosaik der angeglichenen Raster (wie Nahtloses Mosaik).

</translation>
    </message>
    <message>
        <location filename="../algorithms/match.py" line="53"/>
        <source>Mosaic</source>
        <translation>Mosaik</translation>
    </message>
    <message>
        <location filename="../algorithms/match.py" line="53"/>
        <source>One seamless mosaic of the matched rasters (GeoTIFF, or VRT): seams around clouds and through agreement, as Seamless mosaic makes it.</source>
        <translation>Ein nahtloses Mosaik der angeglichenen Raster (GeoTIFF oder VRT): Schnittlinien um Wolken herum und durch Übereinstimmung, wie es Nahtloses Mosaik erstellt.</translation>
    </message>
</context>
<context>
    <name>MatchDialog</name>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="77"/>
        <source>Spectral match: match rasters</source>
        <translation>Spectral match: Raster abgleichen</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="99"/>
        <source>Global only (one gain and offset per raster)</source>
        <translation>Nur global (ein Faktor und ein Versatz je Raster)</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="103"/>
        <source>Gamma</source>
        <translation>Gamma</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="103"/>
        <source>Linear (ratio)</source>
        <translation>Linear (Verhältnis)</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="103"/>
        <source>Offset (difference)</source>
        <translation>Versatz (Differenz)</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="131"/>
        <source>None: the set&apos;s central tendency</source>
        <translation>Keine: zentrale Tendenz des Satzes</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="152"/>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="153"/>
        <source>Local correction</source>
        <translation>Lokale Korrektur</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="154"/>
        <source>Blocks per image</source>
        <translation>Blöcke je Bild</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="155"/>
        <source>Reference raster</source>
        <translation>Referenzraster</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="157"/>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="169"/>
        <source>Rasters to match (two or more that overlap):</source>
        <translation>Abzugleichende Raster (zwei oder mehr, die sich überlappen):</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="93"/>
        <source>Check at least two overlapping rasters to match.</source>
        <translation>Mindestens zwei sich überlappende Raster zum Abgleichen ankreuzen.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="140"/>
        <source>One raster of the matched rasters, with seams that go around clouds and cross where the images agree, written to the output folder.</source>
        <translation>Ein Raster aus den angeglichenen Rastern, mit Schnittlinien, die um Wolken herumführen und dort verlaufen, wo die Bilder übereinstimmen, geschrieben in den Ausgabeordner.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="97"/>
        <source>Global and local (one gain and offset, then a smooth local correction)</source>
        <translation>Global und lokal (ein Faktor und ein Versatz, dann eine glatte lokale Korrektur)</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="139"/>
        <source>Also write their seamless mosaic (mosaic.tif)</source>
        <translation>Auch ihr nahtloses Mosaik schreiben (mosaic.tif)</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="214"/>
        <source>Writes &lt;raster name&gt;{}.tif for each checked raster</source>
        <translation>Schreibt &lt;Rastername&gt;{}.tif für jedes angekreuzte Raster</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="216"/>
        <source>, and their seamless mosaic {}</source>
        <translation> und ihr nahtloses Mosaik {}</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="217"/>
        <source>, into the output folder.</source>
        <translation> in den Ausgabeordner.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="260"/>
        <source>… and {} more</source>
        <translation>… und {} weitere</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="261"/>
        <source>{} of the files this run writes exist already in {} and will be replaced:</source>
        <translation>{} der Dateien, die dieser Lauf schreibt, gibt es schon in {}; sie werden ersetzt:</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="265"/>
        <source>{} of them are layers of this project; they are removed from it before the run.</source>
        <translation>{} davon sind Layer dieses Projekts; sie werden vor dem Lauf aus ihm entfernt.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="267"/>
        <source>Replace existing outputs?</source>
        <translation>Vorhandene Ausgaben ersetzen?</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="269"/>
        <source>Replace</source>
        <translation>Ersetzen</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="201"/>
        <source>The project holds fewer than two rasters. Add the overlapping rasters to match (Layer &gt; Add Layer &gt; Add Raster Layer), then open this dialog again.</source>
        <translation>Das Projekt enthält weniger als zwei Raster. Fügen Sie die überlappenden Raster hinzu, die angeglichen werden sollen (Layer &gt; Layer hinzufügen &gt; Rasterlayer hinzufügen), und öffnen Sie diesen Dialog dann erneut.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="108"/>
        <source>A power of the values, as Yu et al. (2017): bends dark and bright values differently. Positive data only.</source>
        <translation>Eine Potenz der Werte, wie bei Yu et al. (2017): verändert dunkle und helle Werte unterschiedlich. Nur für positive Daten.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="108"/>
        <source>A factor that changes smoothly across the image: for haze, vignetting, sun angle. Positive data only.</source>
        <translation>Ein Faktor, der sich über das Bild hinweg glatt ändert: für Dunst, Vignettierung, Sonnenstand. Nur für positive Daten.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="108"/>
        <source>A value added that changes smoothly across the image: for data with zero or negative values (reflectance differences, heights).</source>
        <translation>Ein addierter Wert, der sich über das Bild hinweg glatt ändert: für Daten mit Null- oder negativen Werten (Reflexionsdifferenzen, Höhen).</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="116"/>
        <source>How the smooth local correction acts on the values (hover an entry).</source>
        <translation>Wie die glatte lokale Korrektur auf die Werte wirkt (Mauszeiger über einen Eintrag halten).</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="122"/>
        <source>How finely the local correction can vary: about this many surface nodes per image (more where an overlap is narrow). More follows smaller variations, fewer smooths more.</source>
        <translation>Wie fein die lokale Korrektur variieren kann: etwa so viele Flächenknoten je Bild (mehr, wo eine Überlappung schmal ist). Mehr folgt kleineren Schwankungen, weniger glättet stärker.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="126"/>
        <source>Global only corrects each raster by one gain and offset per band; global and local also removes differences that vary across the images.</source>
        <translation>Nur global korrigiert jedes Raster mit einem Faktor und Versatz je Kanal; global und lokal entfernt zusätzlich Unterschiede, die sich über die Bilder hinweg ändern.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/dialog.py" line="132"/>
        <source>A raster that stays exactly as it is; the others are matched to it. None: every raster moves towards the set&apos;s common level.</source>
        <translation>Ein Raster, das genau so bleibt, wie es ist; die anderen werden daran angeglichen. Keines: jedes Raster wird zum gemeinsamen Niveau des Satzes hin verschoben.</translation>
    </message>
</context>
<context>
    <name>MatchTask</name>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="33"/>
        <source>Spectral match of {} rasters</source>
        <translation>Spectral match von {} Rastern</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="37"/>
        <source>Spectral match {}</source>
        <translation>Spectral match {}</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="114"/>
        <source>Warning: </source>
        <translation>Warnung: </translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="84"/>
        <source>Unexpected error: {}</source>
        <translation>Unerwarteter Fehler: {}</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="97"/>
        <source>Spectral match was cancelled; no output was kept.</source>
        <translation>Spectral match wurde abgebrochen; es wurde keine Ausgabe behalten.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="116"/>
        <source>{} matched rasters written to {}</source>
        <translation>{} abgeglichene Raster geschrieben nach {}</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="119"/>
        <source>, with their mosaic</source>
        <translation>, mit ihrem Mosaik</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="108"/>
        <source>Spectral match was cancelled while mosaicking; the {} matched rasters in {} are complete and kept (loaded), no mosaic was written.</source>
        <translation>Spectral match wurde beim Mosaikieren abgebrochen; die {} angeglichenen Raster in {} sind vollständig und bleiben erhalten (geladen), es wurde kein Mosaik geschrieben.</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/task.py" line="121"/>
        <source>; {} warning(s), see Details</source>
        <translation>; {} Warnung(en), siehe Details</translation>
    </message>
</context>
<context>
    <name>MatchingParameters</name>
    <message>
        <location filename="../algorithms/parameters.py" line="104"/>
        <source>Input rasters</source>
        <translation>Eingaberaster</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="107"/>
        <source>Two or more overlapping rasters with the same bands in the same order (or bands that Band correspondence or their metadata relate), in any CRS and pixel size. Their no-data values, masks and NaN are respected.</source>
        <translation>Zwei oder mehr überlappende Raster mit denselben Bändern in derselben Reihenfolge (oder Bändern, die die Bandzuordnung oder ihre Metadaten einander zuordnen), in beliebigem KBS und beliebiger Pixelgröße. Ihre NoData-Werte, Masken und NaN werden beachtet.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="118"/>
        <source>One of the inputs whose values are kept unchanged; the others are matched to it. Without one, all rasters move to the set&apos;s common central tendency.</source>
        <translation>Eine der Eingaben, deren Werte unverändert bleiben; die anderen werden an sie angeglichen. Ohne Referenz bewegen sich alle Raster zur gemeinsamen zentralen Tendenz des Satzes.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="132"/>
        <source>Output data type</source>
        <translation>Datentyp der Ausgabe</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="132"/>
        <source>Same as input</source>
        <translation>Wie Eingabe</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="204"/>
        <source>Weight of overlap means</source>
        <translation>Gewicht der Überlappungsmittelwerte</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="204"/>
        <source>Weight of the equations that equalise overlap means.</source>
        <translation>Gewicht der Gleichungen, die die Mittelwerte der Überlappungen angleichen.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="204"/>
        <source>Weight of overlap standard deviations</source>
        <translation>Gewicht der Überlappungs-Standardabweichungen</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="204"/>
        <source>Weight of the equations that equalise overlap standard deviations.</source>
        <translation>Gewicht der Gleichungen, die die Standardabweichungen der Überlappungen angleichen.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="222"/>
        <source>MEAN_WEIGHT and STD_WEIGHT must both be greater than 0 (given {} and {}). Fix: use positive weights; 1 and 1 reproduce the published method.</source>
        <translation>MEAN_WEIGHT und STD_WEIGHT müssen beide größer als 0 sein (angegeben: {} und {}). Abhilfe: positive Gewichte verwenden; 1 und 1 entsprechen der veröffentlichten Methode.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="231"/>
        <source>Blocks per image</source>
        <translation>Blöcke je Bild</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="231"/>
        <source>Target number of blocks per image for the local correction: the block side is chosen so that an average image holds about this many blocks. More blocks follow finer spatial differences.</source>
        <translation>Angestrebte Anzahl Blöcke je Bild für die lokale Korrektur: die Blockgröße wird so gewählt, dass ein durchschnittliches Bild etwa so viele Blöcke enthält. Mehr Blöcke folgen feineren räumlichen Unterschieden.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="242"/>
        <source>Side of the square blocks in map units; when set, overrides Blocks per image.</source>
        <translation>Seitenlänge der quadratischen Blöcke in Karteneinheiten; ersetzt, wenn gesetzt, Blöcke je Bild.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="251"/>
        <source>Local correction</source>
        <translation>Lokale Korrektur</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="251"/>
        <source>Gamma (Yu et al. 2017)</source>
        <translation>Gamma (Yu et al. 2017)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="251"/>
        <source>Linear (ratio)</source>
        <translation>Linear (Verhältnis)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="251"/>
        <source>Offset (difference)</source>
        <translation>Versatz (Differenz)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="251"/>
        <source>How a pixel moves with its local mean: gamma, out = in ^ (log ref / log local); linear, out = in * ref / local; offset, out = in + ref - local. Gamma and linear need positive values; on data with zero or negative values offset is used.</source>
        <translation>Wie sich ein Pixel mit seinem lokalen Mittelwert bewegt: Gamma, aus = ein ^ (log ref / log lokal); linear, aus = ein * ref / lokal; Versatz, aus = ein + ref - lokal. Gamma und linear brauchen positive Werte; bei Daten mit Null oder negativen Werten wird der Versatz verwendet.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="264"/>
        <source>Minimum valid fraction of a block</source>
        <translation>Mindestanteil gültiger Pixel eines Blocks</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="264"/>
        <source>Where an image has fewer valid pixels in a block than this fraction of the block, it does not count in that place&apos;s central tendency.</source>
        <translation>Hat ein Bild in einem Block weniger gültige Pixel als diesen Anteil des Blocks, zählt es dort nicht zur zentralen Tendenz.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="289"/>
        <source>Polygons (clouds, water, a known change; any CRS) whose pixels count in no statistic. They are still corrected in the outputs.</source>
        <translation>Polygone (Wolken, Wasser, eine bekannte Veränderung; beliebiges KBS), deren Pixel in keine Statistik eingehen. In den Ausgaben werden sie trotzdem korrigiert.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="299"/>
        <source>Robust statistics (ignore clouds and change)</source>
        <translation>Robuste Statistik (Wolken und Veränderungen ignorieren)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="299"/>
        <source>Leave pixels where the images disagree beyond what a smooth correction explains (clouds, shadows, real change) out of all statistics; costs one more read of the overlaps. Off reproduces the published method.</source>
        <translation>Pixel, an denen die Bilder mehr voneinander abweichen, als eine glatte Korrektur erklärt (Wolken, Schatten, echte Veränderung), aus allen Statistiken auslassen; kostet ein weiteres Lesen der Überlappungen. Aus entspricht der veröffentlichten Methode.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="399"/>
        <source>Threads</source>
        <translation>Threads</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="399"/>
        <source>How many windows are processed at once; 0 uses all cores.</source>
        <translation>Wie viele Fenster gleichzeitig verarbeitet werden; 0 nutzt alle Kerne.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="429"/>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="429"/>
        <source>Folder for the corrected rasters, named &lt;input name&gt;{0}.tif. Inputs of the same name in different folders (d1/img.tif, d2/img.tif) are written as img{0}.tif, img_2{0}.tif, ... in input order; a saved model tells them apart.</source>
        <translation>Ordner für die korrigierten Raster, benannt &lt;Eingabename&gt;{0}.tif. Eingaben gleichen Namens in verschiedenen Ordnern (d1/img.tif, d2/img.tif) werden in der Reihenfolge der Eingaben als img{0}.tif, img_2{0}.tif, ... geschrieben; ein gespeichertes Modell hält sie auseinander.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="436"/>
        <source>Corrected rasters</source>
        <translation>Korrigierte Raster</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="369"/>
        <source>Quality report</source>
        <translation>Qualitätsbericht</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="358"/>
        <source>HTML files (*.html)</source>
        <translation>HTML-Dateien (*.html)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="358"/>
        <source>An HTML report of gains, offsets and the agreement of every overlap before and after, with plots (opens offline); the numbers also as JSON beside it.</source>
        <translation>Ein HTML-Bericht der Faktoren, Versätze und der Übereinstimmung jeder Überlappung vorher und nachher, mit Diagrammen (öffnet sich offline); die Zahlen auch als JSON daneben.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="370"/>
        <source>Saved model</source>
        <translation>Gespeichertes Modell</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="370"/>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="370"/>
        <source>The fitted correction as JSON, to apply again with Apply saved model (to the same files, or files of the same names in another folder).</source>
        <translation>Die angepasste Korrektur als JSON, um sie mit Gespeichertes Modell anwenden erneut anzuwenden (auf dieselben Dateien oder gleichnamige Dateien in einem anderen Ordner).</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="442"/>
        <source>Avoid disagreement (clouds, change)</source>
        <translation>Abweichungen meiden (Wolken, Veränderung)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="442"/>
        <source>Centre lines of the overlaps</source>
        <translation>Mittellinien der Überlappungen</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="442"/>
        <source>How the parts of the mosaic are chosen: seams that go around what only one image shows (a cloud, a shadow, a change) and cross where the images agree best; or centre lines midway through the overlaps.</source>
        <translation>Wie die Teile des Mosaiks gewählt werden: Schnittlinien, die um das herumführen, was nur ein Bild zeigt (eine Wolke, einen Schatten, eine Veränderung), und dort verlaufen, wo die Bilder am besten übereinstimmen; oder Mittellinien in der Mitte der Überlappungen.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="452"/>
        <source>Feather width (map units)</source>
        <translation>Überblendbreite (Karteneinheiten)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="452"/>
        <source>Width over which images are blended across a seam; 0 cuts hard. A VRT mosaic only cuts.</source>
        <translation>Breite, über die Bilder an einer Schnittlinie überblendet werden; 0 schneidet hart. Ein VRT-Mosaik schneidet nur.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="460"/>
        <source>One polygon per image, the part of the mosaic it shows (fields image and image_index): to inspect, edit and give back as Cutlines. Written as a GeoPackage (.gpkg).</source>
        <translation>Ein Polygon je Bild, der Teil des Mosaiks, den es zeigt (Felder image und image_index): zum Prüfen, Bearbeiten und Zurückgeben als Schnittpolygone. Geschrieben als GeoPackage (.gpkg).</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="112"/>
        <source>One or more rasters with the same bands in the same order, in any CRS and pixel size. Their no-data values, masks and NaN are respected.</source>
        <translation>Ein oder mehrere Raster mit denselben Bändern in derselben Reihenfolge, in beliebigem KBS und beliebiger Pixelgröße. Ihre NoData-Werte, Masken und NaN werden beachtet.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="314"/>
        <source>Band correspondence (BAND_MAP)</source>
        <translation>Bandzuordnung (BAND_MAP)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="314"/>
        <source>For inputs whose bands differ (sensors): one line per input, &apos;file name: 2,3,4,5&apos;, giving for each common band, in one common order, that input&apos;s band number (the file name with or without its extension). Empty: taken from the bands&apos; wavelength metadata or names (Blue, Red, NIR...), else from the band order of inputs with equal band counts. Common bands are matched across all inputs; other bands among the inputs that have them; bands no other input has are written unchanged.</source>
        <translation>Für Eingaben mit unterschiedlichen Bändern (Sensoren): eine Zeile je Eingabe, 'Dateiname: 2,3,4,5', die für jedes gemeinsame Band, in einer gemeinsamen Reihenfolge, die Bandnummer dieser Eingabe angibt (der Dateiname mit oder ohne Endung). Leer: aus den Wellenlängen-Metadaten oder Namen der Bänder (Blue, Red, NIR...), sonst aus der Bandreihenfolge von Eingaben mit gleicher Bandzahl. Gemeinsame Bänder werden über alle Eingaben abgeglichen, weitere Bänder unter den Eingaben, die sie haben; Bänder, die keine andere Eingabe hat, werden unverändert geschrieben.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="118"/>
        <source>Reference raster</source>
        <translation>Referenzraster</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="242"/>
        <source>Block size (map units)</source>
        <translation>Blockgröße (Karteneinheiten)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="289"/>
        <source>Exclusion mask</source>
        <translation>Ausschlussmaske</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="442"/>
        <source>Seam placement</source>
        <translation>Verlauf der Schnittlinien</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="460"/>
        <source>Seamline polygons</source>
        <translation>Schnittlinien-Polygone</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="409"/>
        <source>Dask scheduler</source>
        <translation>Dask-Scheduler</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="409"/>
        <source>Run the statistics and the writing on a Dask cluster: the scheduler&apos;s address (tcp://host:8786), or local:N for N worker processes on this computer; empty runs here. Every worker must see the inputs and the output folder at the same paths (a shared file system), or inputs as GDAL virtual paths (/vsis3/..., /vsicurl/...). Needs Dask (Debian: python3-distributed; pip: dask[distributed]).</source>
        <translation>Statistik und Schreiben auf einem Dask-Cluster ausführen: die Adresse des Schedulers (tcp://host:8786) oder local:N für N Worker-Prozesse auf diesem Rechner; leer läuft hier. Jeder Worker muss die Eingaben und den Ausgabeordner unter denselben Pfaden sehen (ein gemeinsames Dateisystem) oder Eingaben als virtuelle GDAL-Pfade (/vsis3/..., /vsicurl/...). Benötigt Dask (Debian: python3-distributed; pip: dask[distributed]).</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="147"/>
        <source>Output format</source>
        <translation>Ausgabeformat</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="150"/>
        <source>GTiff: a tiled GeoTIFF. COG: a Cloud Optimized GeoTIFF (GDAL&apos;s COG driver, with overviews), for web and cloud storage. On the command line by name, e.g. OUTPUT_FORMAT=COG.</source>
        <translation>GTiff: ein gekacheltes GeoTIFF. COG: ein Cloud Optimized GeoTIFF (GDALs COG-Treiber, mit Übersichten), für Web- und Cloud-Speicher. Auf der Kommandozeile mit Namen, z. B. OUTPUT_FORMAT=COG.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="154"/>
        <source>Creation options</source>
        <translation>Erstellungsoptionen</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="157"/>
        <source>GDAL creation options of the output format, KEY=VALUE items separated by |, e.g. COMPRESS=ZSTD|ZSTD_LEVEL=1 or COMPRESS=NONE. They add to, or replace, the defaults: tiled, DEFLATE with a predictor, compressed on all threads. An option the format does not know is refused before the run starts.</source>
        <translation>GDAL-Erstellungsoptionen des Ausgabeformats, Einträge KEY=VALUE getrennt durch |, z. B. COMPRESS=ZSTD|ZSTD_LEVEL=1 oder COMPRESS=NONE. Sie ergänzen oder ersetzen die Vorgaben: gekachelt, DEFLATE mit Prädiktor, komprimiert auf allen Threads. Eine Option, die das Format nicht kennt, wird vor dem Start des Laufs abgelehnt.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="162"/>
        <source>Internal overviews</source>
        <translation>Interne Übersichten</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="162"/>
        <source>Automatic (rasters larger than {} pixels a side)</source>
        <translation>Automatisch (Raster mit mehr als {} Pixeln Seitenlänge)</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="162"/>
        <source>Always</source>
        <translation>Immer</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="162"/>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="162"/>
        <source>Reduced-resolution copies inside the GeoTIFF (averaged; the mask follows), so that QGIS draws large rasters fast. A COG always has them unless Never.</source>
        <translation>Kopien in verringerter Auflösung im GeoTIFF (gemittelt; die Maske folgt), damit QGIS große Raster schnell zeichnet. Ein COG hat sie immer, außer bei Nie.</translation>
    </message>
    <message>
        <location filename="../algorithms/parameters.py" line="132"/>
        <source>Same as input keeps each input&apos;s type. Integer types round the corrected values and clip them to the type&apos;s range; Float32 and Float64 keep them unrounded. The no-data value must fit the type. Scale, offset and unit of the bands are copied unchanged: the correction works on the stored values.</source>
        <translation>Wie Eingabe behält den Datentyp jeder Eingabe. Ganzzahlige Typen runden die korrigierten Werte und begrenzen sie auf den Wertebereich des Typs; Float32 und Float64 behalten sie ungerundet. Der NoData-Wert muss in den Typ passen. Skalierung, Versatz und Einheit der Bänder werden unverändert übernommen: die Korrektur wirkt auf die gespeicherten Werte.</translation>
    </message>
</context>
<context>
    <name>MosaicAlgorithm</name>
    <message>
        <location filename="../algorithms/mosaic.py" line="25"/>
        <source>Seamless mosaic</source>
        <translation>Nahtloses Mosaik</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="76"/>
        <source>Mosaic</source>
        <translation>Mosaik</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="28"/>
        <source>Mosaics matched rasters into one GeoTIFF, or a VRT. Each part of the mosaic comes from one image, chosen on a coarse grid: by default the seams go around places only one image shows (clouds, shadows, change), the image that carries the cloud giving way, and cross where the images agree best; or centre lines midway through the overlaps. Across seams the images are blended over Feather map units (0: a hard cut). The seamlines can be written as polygons, one per image, edited and given back as Cutlines.

Expects rasters with the same bands; the output grid is the inputs&apos; union at the coarsest pixel size (or Pixel size), in the first input&apos;s CRS, with its no-data value and the narrowest type that holds every input&apos;s values (Byte and UInt16 inputs make a UInt16 mosaic); inputs already on that grid are not resampled. A VRT output (.vrt) refers to the inputs and a small index raster in a folder &lt;name&gt;_parts beside it, instead of copying the pixels.

</source>
        <translation>Fügt angeglichene Raster zu einem GeoTIFF oder einem VRT zusammen. Jeder Teil des Mosaiks stammt aus einem Bild, gewählt auf einem groben Raster: standardmäßig führen die Schnittlinien um Stellen herum, die nur ein Bild zeigt (Wolken, Schatten, Veränderung), wobei das Bild mit der Wolke zurücktritt, und verlaufen dort, wo die Bilder am besten übereinstimmen; oder Mittellinien in der Mitte der Überlappungen. An den Schnittlinien werden die Bilder über die Überblendbreite (Karteneinheiten) überblendet (0: harter Schnitt). Die Schnittlinien können als Polygone geschrieben werden, eines je Bild, bearbeitet und als Schnittpolygone zurückgegeben werden.

Erwartet Raster mit denselben Bändern; das Ergebnisraster ist die Vereinigung der Eingaben in der gröbsten Pixelgröße (oder Pixelgröße), im KBS der ersten Eingabe, mit deren NoData-Wert und dem kleinsten Datentyp, der die Werte aller Eingaben fasst (Byte- und UInt16-Eingaben ergeben ein UInt16-Mosaik); Eingaben, die schon auf diesem Raster liegen, werden nicht neu abgetastet. Ein VRT-Ergebnis (.vrt) verweist auf die Eingaben und ein kleines Indexraster in einem Ordner &lt;Name&gt;_parts daneben, statt die Pixel zu kopieren.

</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="57"/>
        <source>Cutlines</source>
        <translation>Schnittpolygone</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="57"/>
        <source>Polygons that give parts of the mosaic to an image, named in a field image (its file name) or image_index (its position among the inputs), such as an edited Seamlines layer. Where no polygon lies, or the image named has no data, the automatic seams stay.</source>
        <translation>Polygone, die Teile des Mosaiks einem Bild zuweisen, benannt im Feld image (sein Dateiname) oder image_index (seine Position unter den Eingaben), etwa ein bearbeiteter Schnittlinien-Layer. Wo kein Polygon liegt oder das genannte Bild keine Daten hat, bleiben die automatischen Schnittlinien.</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="66"/>
        <source>Pixel size (map units, 0: the inputs&apos;)</source>
        <translation>Pixelgröße (Karteneinheiten, 0: die der Eingaben)</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="66"/>
        <source>The mosaic&apos;s pixel size in the first input&apos;s CRS; 0 takes the coarsest input&apos;s. Inputs on another grid are averaged where finer, taken by nearest neighbour where coarser.</source>
        <translation>Die Pixelgröße des Mosaiks im KBS der ersten Eingabe; 0 nimmt die der gröbsten Eingabe. Eingaben auf einem anderen Raster werden gemittelt, wo sie feiner sind, und per nächstem Nachbarn übernommen, wo sie gröber sind.</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="76"/>
        <source>The mosaic: a GeoTIFF (.tif), or a VRT (.vrt) that cuts without blending.</source>
        <translation>Das Mosaik: ein GeoTIFF (.tif) oder ein VRT (.vrt), das ohne Überblenden schneidet.</translation>
    </message>
    <message>
        <location filename="../algorithms/mosaic.py" line="45"/>
        <source>Method: seamlines are watershed lines (image foresting transform, Falcao et al. (2004), IEEE Transactions on Pattern Analysis and Machine Intelligence 26(1), 19-29, doi:10.1109/TPAMI.2004.1261076) of a relief that is high where the images agree, as seamline methods follow least-cost paths through a difference image (Kerschner (2001), ISPRS Journal of Photogrammetry and Remote Sensing 56(1), 53-64, doi:10.1016/S0924-2716(01)00033-8).</source>
        <translation>Methode: Die Nahtlinien sind Wasserscheidenlinien (Image Foresting Transform, Falcao et al. (2004), IEEE Transactions on Pattern Analysis and Machine Intelligence 26(1), 19-29, doi:10.1109/TPAMI.2004.1261076) eines Reliefs, das dort hoch ist, wo die Bilder übereinstimmen, so wie Nahtlinienverfahren Pfaden geringster Kosten durch ein Differenzbild folgen (Kerschner (2001), ISPRS Journal of Photogrammetry and Remote Sensing 56(1), 53-64, doi:10.1016/S0924-2716(01)00033-8).</translation>
    </message>
</context>
<context>
    <name>SpectralMatchAlgorithm</name>
    <message>
        <location filename="../algorithms/base.py" line="120"/>
        <source>The parameters cannot be checked ({}). Fix: check the inputs and outputs given.</source>
        <translation>Die Parameter können nicht geprüft werden ({}). Abhilfe: Eingaben und Ausgaben prüfen.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="65"/>
        <source>Radiometric matching</source>
        <translation>Radiometrischer Abgleich</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="86"/>
        <source>Method: Yu et al. (2017), An auto-adapting global-to-local color balancing method for optical imagery mosaic. ISPRS Journal of Photogrammetry and Remote Sensing 132, 1-19, doi:10.1016/j.isprsjprs.2017.08.002.</source>
        <translation>Methode: Yu et al. (2017), An auto-adapting global-to-local color balancing method for optical imagery mosaic. ISPRS Journal of Photogrammetry and Remote Sensing 132, 1-19, doi:10.1016/j.isprsjprs.2017.08.002.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="199"/>
        <source>{}: no such raster file or layer. Fix: check the path, or choose a raster layer of the project.</source>
        <translation>{}: keine solche Rasterdatei und kein solcher Layer. Abhilfe: den Pfad prüfen oder einen Rasterlayer des Projekts wählen.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="138"/>
        <source>{} input raster(s) given: matching needs at least two overlapping rasters. Fix: add the rasters to match.</source>
        <translation>{} Eingaberaster angegeben: der Abgleich braucht mindestens zwei überlappende Raster. Abhilfe: die abzugleichenden Raster hinzufügen.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="185"/>
        <source>No input rasters given.</source>
        <translation>Keine Eingaberaster angegeben.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="219"/>
        <source>{name}: this layer is not a raster file on disk ({source}). Fix: save it as a GeoTIFF (Export &gt; Save As) and use that file.</source>
        <translation>{name}: dieser Layer ist keine Rasterdatei auf der Festplatte ({source}). Abhilfe: als GeoTIFF speichern (Exportieren &gt; Speichern als) und diese Datei verwenden.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="264"/>
        <source>Cancelled: {}</source>
        <translation>Abgebrochen: {}</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="94"/>
        <source>Inputs whose bands differ (sensors, e.g. an 11-band Landsat scene beside a 4-band blue, green, red, NIR image) are matched band by corresponding band. Which bands correspond is given by Band correspondence (BAND_MAP), else by the bands&apos; wavelength metadata (CENTRAL_WAVELENGTH_UM) or names (Blue, Green, Red, NIR, SWIR1...); the log and the report list it. Bands that some inputs share but not all are matched among those inputs where they overlap; bands that no overlapping input shares are written unchanged. Every output keeps its input&apos;s bands, order, type and band descriptions.

</source>
        <translation>Eingaben mit unterschiedlichen Bändern (Sensoren, z. B. eine Landsat-Szene mit 11 Bändern neben einem Bild mit 4 Bändern Blau, Grün, Rot, NIR) werden Band für entsprechendes Band abgeglichen. Welche Bänder einander entsprechen, gibt die Bandzuordnung (BAND_MAP) an, sonst die Wellenlängen-Metadaten (CENTRAL_WAVELENGTH_UM) oder Namen der Bänder (Blue, Green, Red, NIR, SWIR1...); Protokoll und Bericht führen die Zuordnung auf. Bänder, die einige, aber nicht alle Eingaben haben, werden unter diesen Eingaben abgeglichen, wo sie überlappen; Bänder, die keine überlappende Eingabe teilt, werden unverändert geschrieben. Jede Ausgabe behält die Bänder, Reihenfolge, den Datentyp und die Bandbeschreibungen ihrer Eingabe.

</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="149"/>
        <source>{} ({}) needs a value. Fix: give one.</source>
        <translation>{} ({}) braucht einen Wert. Abhilfe: einen angeben.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="153"/>
        <source>from {:g} to {:g}</source>
        <translation>von {:g} bis {:g}</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="155"/>
        <source>of at least {:g}</source>
        <translation>von mindestens {:g}</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="157"/>
        <source>of at most {:g}</source>
        <translation>von höchstens {:g}</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="158"/>
        <source>a whole number</source>
        <translation>eine ganze Zahl</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="159"/>
        <source>a number</source>
        <translation>eine Zahl</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="160"/>
        <source>{} ({}): {!r} is not accepted; it takes {} {}. Fix: give a value in that range.</source>
        <translation>{} ({}): {!r} wird nicht angenommen; erwartet wird {} {}. Abhilfe: einen Wert in diesem Bereich angeben.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="163"/>
        <source>{} ({}): {!r} is not accepted; it takes one of {} (or its number, from 0). Fix: give one of those.</source>
        <translation>{} ({}): {!r} wird nicht angenommen; erwartet wird eines von {} (oder seine Nummer, ab 0). Abhilfe: eines davon angeben.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="168"/>
        <source>{} ({}): no vector layer opens from {!r}. Fix: give the file of a polygon layer that exists (GeoPackage, Shapefile, GeoJSON).</source>
        <translation>{} ({}): aus {!r} lässt sich kein Vektorlayer öffnen. Abhilfe: die Datei eines vorhandenen Polygonlayers angeben (GeoPackage, Shapefile, GeoJSON).</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="172"/>
        <source>{} ({}): {!r} is no file. Fix: give the path of an existing file.</source>
        <translation>{} ({}): {!r} ist keine Datei. Abhilfe: den Pfad einer vorhandenen Datei angeben.</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="174"/>
        <source>{} ({}): {!r} is not accepted. Fix: see this algorithm&apos;s help (qgis_process help spectralmatch:{}).</source>
        <translation>{} ({}): {!r} wird nicht angenommen. Abhilfe: siehe die Hilfe dieses Algorithmus (qgis_process help spectralmatch:{}).</translation>
    </message>
</context>
<context>
    <name>SpectralMatchPlugin</name>
    <message>
        <location filename="../spectralmatch_plugin/plugin.py" line="54"/>
        <source>Match selected rasters…</source>
        <translation>Ausgewählte Raster abgleichen…</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/plugin.py" line="57"/>
        <source>Make the selected rasters radiometrically consistent</source>
        <translation>Die ausgewählten Raster radiometrisch angleichen</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/plugin.py" line="27"/>
        <source>Spectral match</source>
        <translation>Spectral match</translation>
    </message>
    <message>
        <location filename="../spectralmatch_plugin/plugin.py" line="111"/>
        <source>Details</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>SpectralMatchProvider</name>
    <message>
        <location filename="../spectralmatch_plugin/provider.py" line="21"/>
        <source>Spectral match</source>
        <translation>Spectral match</translation>
    </message>
</context>
<context>
    <name>ToolboxConventions</name>
    <message>
        <location filename="../algorithms/conventions.py" line="26"/>
        <source>radiometric normalisation</source>
        <translation>radiometrische Normalisierung</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="27"/>
        <source>radiometric normalization</source>
        <translation>radiometrische Normierung</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="28"/>
        <source>relative radiometric correction</source>
        <translation>relative radiometrische Korrektur</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="29"/>
        <source>colour balancing</source>
        <translation>Farbausgleich</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="30"/>
        <source>color balancing</source>
        <translation>Farbabgleich</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="31"/>
        <source>histogram matching</source>
        <translation>Histogrammangleichung</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="32"/>
        <source>mosaic</source>
        <translation>Mosaik</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="33"/>
        <source>seamline</source>
        <translation>Schnittlinie</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="34"/>
        <source>dodging</source>
        <translation>Helligkeitsausgleich</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="35"/>
        <source>image matching</source>
        <translation>Bildangleichung</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="36"/>
        <source>orthomosaic</source>
        <translation>Orthomosaik</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="37"/>
        <source>time series</source>
        <translation>Zeitreihe</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="39"/>
        <source>gain</source>
        <translation>Faktor</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="40"/>
        <source>offset</source>
        <translation>Versatz</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="41"/>
        <source>haze</source>
        <translation>Dunst</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="42"/>
        <source>vignetting</source>
        <translation>Vignettierung</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="44"/>
        <source>least squares</source>
        <translation>kleinste Quadrate</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="45"/>
        <source>blocks</source>
        <translation>Blöcke</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="47"/>
        <source>saved model</source>
        <translation>gespeichertes Modell</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="48"/>
        <source>reprocessing</source>
        <translation>Neuprozessierung</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="49"/>
        <source>cutline</source>
        <translation>Schnittpolygon</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="50"/>
        <source>feathering</source>
        <translation>Überblendung</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="51"/>
        <source>blending</source>
        <translation>Mischen</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="52"/>
        <source>clouds</source>
        <translation>Wolken</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="65"/>
        <source>One gain and offset per raster and band so that overlapping rasters agree (radiometric normalisation).</source>
        <translation>Ein Faktor und ein Versatz je Raster und Band, damit überlappende Raster übereinstimmen (radiometrische Normalisierung).</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="67"/>
        <source>Removes smooth differences between overlapping rasters (haze, vignetting) with a block grid.</source>
        <translation>Entfernt glatte Unterschiede zwischen überlappenden Rastern (Dunst, Vignettierung) mit einem Blockgitter.</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="69"/>
        <source>Global then local radiometric matching of overlapping rasters, optionally with a seamless mosaic.</source>
        <translation>Globaler, dann lokaler radiometrischer Abgleich überlappender Raster, wahlweise mit nahtlosem Mosaik.</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="71"/>
        <source>Applies a saved radiometric correction again, without fitting.</source>
        <translation>Wendet eine gespeicherte radiometrische Korrektur erneut an, ohne Anpassung.</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="73"/>
        <source>One raster from overlapping ones, with seamlines around clouds and through agreement.</source>
        <translation>Ein Raster aus überlappenden Rastern, mit Schnittlinien um Wolken herum und durch Übereinstimmung.</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="88"/>
        <source>Computing statistics…</source>
        <translation>Statistiken werden berechnet…</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="89"/>
        <source>Solving the correction…</source>
        <translation>Korrektur wird gelöst…</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="90"/>
        <source>Writing rasters…</source>
        <translation>Raster werden geschrieben…</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="91"/>
        <source>Building overviews…</source>
        <translation>Übersichten werden erstellt…</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="92"/>
        <source>Writing Cloud Optimized GeoTIFF…</source>
        <translation>Cloud Optimized GeoTIFF wird geschrieben…</translation>
    </message>
    <message>
        <location filename="../algorithms/conventions.py" line="93"/>
        <source>Mosaicking…</source>
        <translation>Mosaik wird erstellt…</translation>
    </message>
</context>
</TS>
