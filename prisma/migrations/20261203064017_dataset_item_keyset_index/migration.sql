-- CreateIndex
CREATE INDEX "DatasetItem_datasetId_ordinal_id_idx" ON "DatasetItem"("datasetId", "ordinal", "id");
